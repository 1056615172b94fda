"use strict";
// The error answers cosmos-local gives: an HTTP status, an Azure-like {code, message} body, an
// optional x-ms-substatus and extra headers. Shared by server.js and the document layer.

const ERROR_CODES = {
  400: ["BadRequest", "The request is invalid."],
  401: ["Unauthorized", "Unauthorized."],
  403: ["Forbidden", "Forbidden."],
  404: ["NotFound", "Resource Not Found. Learn more: https://aka.ms/cosmosdb-tsg-not-found"],
  405: ["MethodNotAllowed", "The requested verb is not supported."],
  409: ["Conflict", "Entity with the specified id already exists in the system."],
  410: ["Gone", "The requested resource is no longer available at the server."],
  412: ["PreconditionFailed", "Operation cannot be performed because one of the specified precondition is not met."],
  413: ["RequestEntityTooLarge", "Request size is too large."],
  423: ["Locked", "A throughput scale operation is already in progress."],
  424: ["FailedDependency", "The operation did not complete because another operation in the batch failed."],
  429: ["TooManyRequests", "Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later."],
  500: ["InternalServerError", "Unknown server error occurred when processing this request."]
};

class HttpError {
  constructor(status, message, { substatus, code, headers } = {}) {
    this.status = status;
    this.body = { code: code || (ERROR_CODES[status] || ["Error"])[0], message };
    this.substatus = substatus;
    this.headers = headers || {};
  }
}

module.exports = { ERROR_CODES, HttpError };
