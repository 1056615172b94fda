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

// --- the plain shape, from the text --------------------------------------------------------------

const helpers = require("@zeit/cosmosdb-query/lib/helpers");

// Words that are never an alias or a property name here (conservative: more than SQL reserves).
const KEYWORDS = new Set(["select", "from", "where", "and", "or", "not", "in", "between", "by",
  "order", "top", "value", "as", "join", "asc", "desc", "true", "false", "null", "undefined",
  "udf", "is_defined", "offset", "limit", "distinct", "exists", "like", "escape", "group", "having"]);
const TOKEN = /\s*(?:(@[A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)|"([^"\\\n]*)"|'([^'\\\n]*)'|([*.\[\]()=,]))/y;

function tokenize(sql) {
  const out = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < sql.length) {
    if (/^\s*$/.test(sql.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(sql);
    if (!m) return null;
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) out.push({ param: m[1] });
    else if (m[2] !== undefined) out.push({ word: m[2] });
    else if (m[3] !== undefined) out.push({ string: m[3] });
    else if (m[4] !== undefined) out.push({ string: m[4] });
    else out.push({ sym: m[5] });
  }
  return out;
}

/**
 * The plan of a query in the plain shape (see the top), or null: {terms: [[atom...]...]}, an
 * atom {kind: "eq"|"in"|"defined", path: [names], values?: [value], negate?}, a value
 * {param: "@x"} or {constant: "s"}.
 */
function plain(sql) {
  const t = typeof sql === "string" ? tokenize(sql) : null;
  if (!t) return null;
  let i = 0;
  const word = w => t[i] && t[i].word !== undefined && t[i].word.toLowerCase() === w;
  const sym = s => t[i] && t[i].sym === s;
  const name = () => t[i] && t[i].word !== undefined && !KEYWORDS.has(t[i].word.toLowerCase());
  if (!word("select")) return null;
  i++;
  if (!sym("*")) return null;
  i++;
  if (!word("from")) return null;
  i++;
  if (!name()) return null;
  const alias = t[i++].word;
  if (!word("where")) return null;
  i++;
  const path = () => {
    if (!(t[i] && t[i].word === alias)) return null;
    i++;
    const out = [];
    for (;;) {
      if (sym(".")) {
        i++;
        if (!name()) return null;
        out.push(t[i++].word);
      } else if (sym("[") && t[i + 1] && t[i + 1].string !== undefined && t[i + 2] && t[i + 2].sym === "]") {
        out.push(t[i + 1].string);
        i += 3;
      } else {
        return out.length ? out : null;
      }
    }
  };
  const value = () => {
    const v = t[i];
    if (v && v.param !== undefined) {
      i++;
      return { param: v.param };
    }
    if (v && v.string !== undefined) {
      i++;
      return { constant: v.string };
    }
    return null;
  };
  const atom = () => {
    let negate = false;
    if (word("not")) {
      negate = true;
      i++;
    }
    if (word("is_defined")) {
      i++;
      if (!sym("(")) return null;
      i++;
      const p = path();
      if (!p || !sym(")")) return null;
      i++;
      return { kind: "defined", path: p, negate };
    }
    if (negate) return null;
    if (t[i] && (t[i].param !== undefined || t[i].string !== undefined)) {
      const v = value();
      if (!sym("=")) return null;
      i++;
      const p = path();
      return p ? { kind: "eq", path: p, values: [v] } : null;
    }
    const p = path();
    if (!p) return null;
    if (sym("=")) {
      i++;
      const v = value();
      return v ? { kind: "eq", path: p, values: [v] } : null;
    }
    if (word("in") && t[i + 1] && t[i + 1].sym === "(") {
      i += 2;
      const values = [];
      for (;;) {
        const v = value();
        if (!v) return null;
        values.push(v);
        if (sym(",")) i++;
        else break;
      }
      if (!sym(")")) return null;
      i++;
      return { kind: "in", path: p, values };
    }
    return null;
  };
  const conjunction = () => {
    const atoms = [];
    for (;;) {
      const a = atom();
      if (!a) return null;
      atoms.push(a);
      if (word("and")) i++;
      else return atoms;
    }
  };
  const terms = [];
  for (;;) {
    let atoms;
    if (sym("(")) {
      i++;
      atoms = conjunction();
      if (!atoms || !sym(")")) return null;
      i++;
    } else {
      atoms = conjunction();
      if (!atoms) return null;
    }
    const isId = a => (a.kind === "eq" || a.kind === "in") && a.path.length === 1 && a.path[0] === "id";
    if (!atoms.some(isId)) return null;
    terms.push(atoms);
    if (word("or")) i++;
    else break;
  }
  return i === t.length ? { terms } : null;
}

/** Parameters as the engine binds them (Map name-without-@ -> value), or null if it could not. */
function bind(parameters) {
  if (parameters !== undefined && parameters !== null && !Array.isArray(parameters)) return null;
  const params = new Map();
  for (const p of parameters || []) {
    if (!p || typeof p !== "object" || typeof p.name !== "string") return null;
    params.set(p.name.slice(1), p.value);
  }
  return params;
}

const bound = (v, params) => (v.param !== undefined ? params.get(v.param.slice(1)) : v.constant);

/** The ids a plain plan allows (each term's first id comparison). */
function planIds(plan, params) {
  const ids = [];
  for (const atoms of plan.terms) {
    const a = atoms.find(x => (x.kind === "eq" || x.kind === "in") && x.path.length === 1 && x.path[0] === "id");
    for (const v of a.values) ids.push(bound(v, params));
  }
  return ids;
}

function valueAt(doc, path) {
  let v = doc;
  for (const p of path) v = typeof v === "object" && v ? v[p] : undefined;
  return v;
}

/** The engine's WHERE, for one document: some term whose every atom is true. */
function planMatches(plan, params, doc) {
  return plan.terms.some(atoms => atoms.every(a => {
    const v = valueAt(doc, a.path);
    if (a.kind === "defined") return (typeof v !== "undefined") !== a.negate;
    if (a.kind === "in") return a.values.map(x => bound(x, params)).includes(v);
    return helpers.equal(v, bound(a.values[0], params)) === true;
  }));
}

/**
 * Runs a plain plan over `docs` as the engine's generated code does: filter, sort by _rid,
 * paginate by _rid. Returns the engine's {result, continuation}; throws what its helpers throw.
 */
function runPlan(plan, params, docs, maxItemCount, continuation) {
  const rows = docs.filter(doc => planMatches(plan, params, doc)).map(c => ({ c }));
  const sorted = helpers.sort(rows, $ => $.c._rid);
  return helpers.paginate(sorted.map(({ c }) => [c, { c }]), maxItemCount, continuation, $ => $.c._rid);
}

module.exports = { lookupIds, plain, bind, planIds, runPlan };
