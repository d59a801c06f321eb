/**
 * Codes for failures talking to subgraphs, named as Apollo Router names them
 * so clients and dashboards written for the Router read ours the same way.
 */
export const SubgraphErrorCode = {
  /** The subgraph could not be reached, timed out, or answered a non-GraphQL HTTP error. */
  HttpError: 'SUBREQUEST_HTTP_ERROR',
  /** The subgraph answered, but not with a GraphQL JSON response. */
  MalformedResponse: 'SUBREQUEST_MALFORMED_RESPONSE',
  /** Every instance of the subgraph failed repeatedly: refused without a request until a probe succeeds. */
  CircuitOpen: 'SUBGRAPH_CIRCUIT_OPEN',
} as const;
