// B7: one counter page hands over both kinds of order; the code itself says which service owns
// it. The QR payloads are the services' own (orders.domain.documents.ORDER_QR,
// orders.domain.storefront.STOREFRONT_QR); the services match them case-insensitively, so do we.

/** Which verify API a code goes to: a wholesale order's pickup code or a storefront order's. */
export type VerifyTarget = "order" | "storefront";

const PREFIXES: Readonly<Record<string, VerifyTarget>> = {
  "CRMORD:": "order",
  "CRMSF:": "storefront",
};

// A scanned payload's scheme: letters first, then a colon. A typed code has none (only digits,
// spaces and dashes), so it cannot be mistaken for one.
const SCHEME = /^[a-z][a-z0-9_]*:/i;

export type CodeRoute = { target: VerifyTarget } | { unknownPrefix: string };

/**
 * Where `code` (trimmed) is verified. A typed code carries no prefix and goes to `bare`, the
 * kind of order the page was opened for (the counter's tile: wholesale; the workbench: storefront),
 * as each page did before they were one. Any other prefix (a coupon's CRMCPN:, a web link) is not
 * an order's code at all.
 */
export function routeCode(code: string, bare: VerifyTarget): CodeRoute {
  const scheme = SCHEME.exec(code)?.[0];
  if (!scheme) return { target: bare };
  const target = PREFIXES[scheme.toUpperCase()];
  return target ? { target } : { unknownPrefix: scheme };
}
