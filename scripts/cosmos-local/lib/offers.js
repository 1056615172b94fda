"use strict";
// Offers (provisioned throughput) for cosmos-local, written from shared/docs/cosmos-rest.md
// "Offers (throughput)": a database or container created with x-ms-offer-throughput (manual
// RU/s) or x-ms-cosmos-offer-autopilot-settings ({"maxThroughput": N}, autoscale) owns one offer,
// found by its offerResourceId (the resource's _rid), read and replaced at /offers/{id}. A
// resource created without either header has no offer (serverless, or shared database
// throughput), as on the service.
//
// Replace in progress: a replace that switches between manual and autoscale (which needs
// x-ms-cosmos-migrate-offer-to-autopilot or x-ms-cosmos-migrate-offer-to-manual-throughput:
// true) leaves the offer "pending": its next read answers x-ms-offer-replace-pending: true, and
// that read completes the migration (later reads say false). Another replace while pending is
// refused with 423, as the service refuses a scale operation already in progress.

const crypto = require("crypto");
const { HttpError } = require("./errors");

const MANUAL_MIN = 400;
const AUTOSCALE_MIN = 1000;

function header(headers, name) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isTrue(v) {
  return typeof v === "string" && v.trim().toLowerCase() === "true";
}

/** {manual: N} or {autoscale: N} from the create headers, null for none; 400 when invalid. */
function throughputFromHeaders(headers) {
  const manual = header(headers, "x-ms-offer-throughput");
  const autopilot = header(headers, "x-ms-cosmos-offer-autopilot-settings");
  if (manual !== undefined && autopilot !== undefined) {
    throw new HttpError(400, "x-ms-offer-throughput and x-ms-cosmos-offer-autopilot-settings cannot both be given.");
  }
  if (manual !== undefined) {
    return { manual: checkManual(Number(manual), manual) };
  }
  if (autopilot !== undefined) {
    let parsed;
    try {
      parsed = JSON.parse(autopilot);
    } catch (e) {
      parsed = null;
    }
    if (!parsed || typeof parsed !== "object") {
      throw new HttpError(400, `x-ms-cosmos-offer-autopilot-settings must be {"maxThroughput": N}, got '${autopilot}'.`);
    }
    return { autoscale: checkAutoscale(parsed.maxThroughput) };
  }
  return null;
}

function checkManual(n, text = n) {
  if (!Number.isInteger(n) || n < MANUAL_MIN || n % 100 !== 0) {
    throw new HttpError(400, `The offer throughput '${text}' is invalid: manual throughput is a multiple of 100, at least ${MANUAL_MIN} RU/s.`);
  }
  return n;
}

function checkAutoscale(n) {
  if (!Number.isInteger(n) || n < AUTOSCALE_MIN || n % 1000 !== 0) {
    throw new HttpError(400, `The autoscale maximum throughput '${n}' is invalid: it is a multiple of 1000, at least ${AUTOSCALE_MIN} RU/s.`);
  }
  return n;
}

function contentOf(throughput) {
  return throughput.autoscale !== undefined
    ? { offerAutopilotSettings: { maxThroughput: throughput.autoscale } }
    : { offerThroughput: throughput.manual };
}

/** What a replace's content asks for: {manual} or {autoscale}; 400 for anything else. */
function throughputFromContent(content) {
  if (!content || typeof content !== "object") {
    throw new HttpError(400, "The offer needs a 'content' object.");
  }
  const auto = content.offerAutopilotSettings;
  if (auto && typeof auto === "object" && auto.maxThroughput !== undefined) {
    return { autoscale: checkAutoscale(auto.maxThroughput) };
  }
  if (content.offerThroughput !== undefined) {
    return { manual: checkManual(content.offerThroughput) };
  }
  throw new HttpError(400, "The offer content needs offerThroughput or offerAutopilotSettings.maxThroughput.");
}

function selfKey(self) {
  return `${String(self).replace(/^\/+|\/+$/g, "")}/`;
}

function newOfferId() {
  // Offer ids are short resource ids (four characters on the service).
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let id = "";
  for (const b of crypto.randomBytes(4)) id += alphabet[b % alphabet.length];
  return id;
}

/** Matches the one WHERE clause SDKs send: `<alias>.<field> = @param` or a quoted literal. */
const WHERE = /^\s*select\s+\*\s+from\s+(\w+)(?:\s+(\w+))?(?:\s+where\s+(\w+)\.(offerResourceId|resource|id|_rid)\s*=\s*(@\w+|'[^']*'|"[^"]*"))?\s*$/i;

function createOfferStore() {
  // offer id -> offer (with a private `pending` flag)
  const offers = new Map();

  function view(offer) {
    const { pending, ...shown } = offer;
    return JSON.parse(JSON.stringify(shown));
  }

  function headersOf(offer) {
    const autoscale = offer.content.offerAutopilotSettings !== undefined;
    return {
      "x-ms-cosmos-min-throughput": String(autoscale ? AUTOSCALE_MIN : MANUAL_MIN),
      "x-ms-offer-replace-pending": offer.pending ? "true" : "false"
    };
  }

  /** A database or container was created: its offer, when the create asked for throughput. */
  function created(resource, throughput) {
    if (!throughput || !resource || !resource._rid) return null;
    const id = newOfferId();
    const offer = {
      // The service's spelling of a resource link in an offer: dbs/{rid}/[colls/{rid}/]
      resource: selfKey(resource._self),
      offerType: "Invalid",
      offerResourceId: resource._rid,
      offerVersion: "V2",
      content: contentOf(throughput),
      id,
      _rid: id,
      _self: `offers/${id}/`,
      _etag: `"${crypto.randomUUID()}"`,
      _ts: Math.floor(Date.now() / 1000),
      pending: false
    };
    offers.set(id, offer);
    return offer;
  }

  /** A database or container was deleted: its offer (and, for a database, its containers') go. */
  function dropResource(selfLink) {
    if (!selfLink) return;
    const prefix = selfKey(selfLink);
    for (const [id, offer] of offers) {
      if (offer.resource.startsWith(prefix)) offers.delete(id);
    }
  }

  function list() {
    const all = [...offers.values()].map(view);
    return { _rid: "", Offers: all, _count: all.length };
  }

  function query(body) {
    const text = body && typeof body.query === "string" ? body.query : "";
    const m = WHERE.exec(text);
    if (!m) {
      throw new HttpError(400, `cosmos-local answers offer queries of the form "SELECT * FROM root r [WHERE r.offerResourceId = @rid]" only, got '${text}'.`);
    }
    const [, from, alias, whereAlias, field, operand] = m;
    if (whereAlias !== undefined && whereAlias !== (alias || from)) {
      throw new HttpError(400, `Identifier '${whereAlias}' could not be resolved.`);
    }
    let matches = [...offers.values()];
    if (field !== undefined) {
      let value;
      if (operand.startsWith("@")) {
        const params = Array.isArray(body.parameters) ? body.parameters : [];
        const p = params.find(x => x && x.name === operand);
        if (!p) throw new HttpError(400, `The query parameter '${operand}' is not given.`);
        value = p.value;
      } else {
        value = operand.slice(1, -1);
      }
      matches = matches.filter(o => o[field] === value);
    }
    const shown = matches.map(view);
    return { _rid: "", Offers: shown, _count: shown.length };
  }

  function read(id) {
    const offer = offers.get(id);
    if (!offer) throw new HttpError(404, `Offer '${id}' does not exist.`);
    const headers = headersOf(offer);
    const body = view(offer);
    // The migration completes once a read has seen it pending.
    offer.pending = false;
    return { status: 200, body, headers };
  }

  function replace(id, body, headers) {
    const offer = offers.get(id);
    if (!offer) throw new HttpError(404, `Offer '${id}' does not exist.`);
    if (!body || typeof body !== "object") throw new HttpError(400, "The offer body must be a JSON object.");
    if (body.offerResourceId !== undefined && body.offerResourceId !== offer.offerResourceId) {
      throw new HttpError(400, "The offer's offerResourceId cannot change.");
    }
    const ifMatch = header(headers, "if-match");
    if (ifMatch !== undefined && ifMatch !== offer._etag) {
      throw new HttpError(412, "The offer changed since it was read (If-Match).");
    }
    if (offer.pending) {
      throw new HttpError(423, "A throughput scale operation is already in progress for this resource; retry after it completes.");
    }
    const wanted = throughputFromContent(body.content);
    const wasAutoscale = offer.content.offerAutopilotSettings !== undefined;
    const toAutoscale = wanted.autoscale !== undefined;
    const migrate = wasAutoscale !== toAutoscale;
    if (migrate) {
      const name = toAutoscale ? "x-ms-cosmos-migrate-offer-to-autopilot" : "x-ms-cosmos-migrate-offer-to-manual-throughput";
      if (!isTrue(header(headers, name))) {
        throw new HttpError(400, `Changing ${wasAutoscale ? "autoscale" : "manual"} throughput to ${toAutoscale ? "autoscale" : "manual"} needs the header '${name}: true'.`);
      }
    }
    offer.content = contentOf(wanted);
    offer._etag = `"${crypto.randomUUID()}"`;
    offer._ts = Math.floor(Date.now() / 1000);
    offer.pending = migrate;
    return { status: 200, body: view(offer), headers: headersOf(offer) };
  }

  /**
   * Answers a request on /offers, or returns null when the path is not an offers path.
   * `segments` are the decoded path segments.
   */
  function handle(method, segments, body, headers) {
    if (segments[0] !== "offers" || segments.length > 2) return null;
    if (segments.length === 1) {
      if (method === "GET") return { status: 200, body: list(), headers: {} };
      if (method === "POST") return { status: 200, body: query(body), headers: {} };
      throw new HttpError(405, `${method} is not allowed on /offers.`);
    }
    if (method === "GET") return read(segments[1]);
    if (method === "PUT") return replace(segments[1], body, headers);
    throw new HttpError(405, `${method} is not allowed on an offer.`);
  }

  return { handle, created, dropResource, size: () => offers.size };
}

module.exports = { createOfferStore, throughputFromHeaders, MANUAL_MIN, AUTOSCALE_MIN };
