"use strict";
// Id lookups: which queries can only match documents whose id is one of a few known values, as
// the service's index answers them without reading the whole range. The document layer then
// runs the same query, through the same engine, over just the documents with those ids (in the
// request's scope), so results, paging and continuations are the engine's own; only the
// documents it has to look at are fewer.
//
// A query qualifies when its FROM is the container itself (any alias, no JOIN) and its WHERE is
// a disjunction (OR) of terms, each term `<alias>.id = v` (either side), `<alias>.id IN (v, ...)`
// or a conjunction (AND) of one such comparison with comparisons of the alias's properties to
// values (`<alias>["pk"] = v`) and IS_DEFINED / NOT IS_DEFINED of its properties, v a parameter
// or a constant. The extra conjuncts are restricted to those that cannot fail, so that a query
// the scan would refuse on some other document is never answered here. Everything else is null:
// the scan.

const VALUE_TYPES = new Set(["string_constant", "number_constant", "boolean_constant", "null_constant"]);

/** True when `node` is `<alias>.p1.p2...` (identifier or string properties). */
function isPath(node, alias) {
  while (node && node.type === "scalar_member_expression") {
    const p = node.property;
    if (!p || !(node.computed ? p.type === "string_constant" : p.type === "identifier")) return false;
    node = node.object;
  }
  return Boolean(node) && node.type === "identifier" && node.name === alias;
}

/** True when `node` is `<alias>.id` (or `<alias>["id"]`). */
function isId(node, alias) {
  if (!node || node.type !== "scalar_member_expression") return false;
  const p = node.property;
  const name = node.computed ? p.type === "string_constant" && p.value : p.type === "identifier" && p.name;
  return name === "id" && node.object.type === "identifier" && node.object.name === alias;
}

function isValue(node) {
  return Boolean(node) && (node.type === "parameter_name" || VALUE_TYPES.has(node.type));
}

/** The value of a parameter or constant node; parameters as the engine binds them. */
function valueOf(node, params) {
  if (node.type === "parameter_name") return params.get(node.name.slice(1));
  if (node.type === "null_constant") return null;
  return node.value;
}

/** The ids an id comparison (`id = v`, `v = id`, `id IN (...)`) allows, or null. */
function idsOfComparison(node, alias, params) {
  if (node.type === "scalar_binary_expression" && node.operator === "=") {
    if (isId(node.left, alias) && isValue(node.right)) return [valueOf(node.right, params)];
    if (isId(node.right, alias) && isValue(node.left)) return [valueOf(node.left, params)];
    return null;
  }
  if (node.type === "scalar_in_expression" && !node.not && isId(node.value, alias) &&
      Array.isArray(node.list) && node.list.every(isValue)) {
    return node.list.map(v => valueOf(v, params));
  }
  return null;
}

/** True for a conjunct that cannot fail: path = value, value = path, [NOT] IS_DEFINED(path). */
function isSafeConjunct(node, alias) {
  if (node.type === "scalar_unary_expression" && node.operator === "NOT") node = node.argument;
  if (node.type === "scalar_function_expression") {
    return node.name && node.name.type === "identifier" && !node.udf &&
      String(node.name.name).toUpperCase() === "IS_DEFINED" &&
      node.arguments.length === 1 && isPath(node.arguments[0], alias);
  }
  return node.type === "scalar_binary_expression" && node.operator === "=" &&
    ((isPath(node.left, alias) && isValue(node.right)) || (isPath(node.right, alias) && isValue(node.left)));
}

function conjuncts(node, out) {
  if (node.type === "scalar_binary_expression" && node.operator === "AND") {
    conjuncts(node.left, out);
    conjuncts(node.right, out);
  } else {
    out.push(node);
  }
  return out;
}

/** The ids one OR-term allows (one id comparison among safe conjuncts), or null. */
function idsOfTerm(node, alias, params) {
  let ids = null;
  for (const c of conjuncts(node, [])) {
    const own = ids === null ? idsOfComparison(c, alias, params) : null;
    if (own) ids = own;
    else if (!isSafeConjunct(c, alias)) return null;
  }
  return ids;
}

/**
 * The ids a query (`ast`: the package's parse tree; `parameters`: the request's list) can only
 * match, or null when it is not such a lookup (or its parameters are not a list the engine
 * binds without failing).
 */
function lookupIds(ast, parameters) {
  if (parameters !== undefined && parameters !== null && !Array.isArray(parameters)) return null;
  const params = new Map();
  for (const p of parameters || []) {
    if (!p || typeof p !== "object" || typeof p.name !== "string") return null;
    params.set(p.name.slice(1), p.value);
  }
  const body = ast && ast.body;
  if (!body || body.type !== "select_query" || !body.where || !body.from) return null;
  const from = body.from;
  if ((from.joins && from.joins.length) || !from.source) return null;
  const source = from.source;
  if (!source.expression || source.expression.type !== "collection_expression" ||
      source.expression.expression.type !== "identifier") return null;
  const alias = source.alias ? source.alias.name : source.expression.expression.name;
  const ids = [];
  const stack = [body.where.condition];
  while (stack.length) {
    const node = stack.pop();
    if (node.type === "scalar_binary_expression" && node.operator === "OR") {
      stack.push(node.right, node.left);
      continue;
    }
    const own = idsOfTerm(node, alias, params);
    if (!own) return null;
    ids.push(...own);
  }
  return ids;
}

module.exports = { lookupIds };
