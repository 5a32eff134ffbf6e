// Where a notification leads in the admin: its subject ("customer:<id>", "order:<id>", ...) or,
// when that names nothing the admin shows (a duplicate, a registration), the ids in its params.
import type { Notification } from "@/shared/inbox";

export type Target = { kind: "customer"; id: string } | { kind: "page"; name: string; id: string };

// The admin page (router name) of each kind of document a notification may name.
const PAGES: Record<string, string> = {
  order: "orders",
  return: "returns",
  collection: "collections",
  storefront_order: "storefront",
};

function targetFor(kind: string, id: string): Target | null {
  if (!id) return null;
  if (kind === "customer") return { kind: "customer", id };
  return PAGES[kind] ? { kind: "page", name: PAGES[kind], id } : null;
}

export function targetOf(n: Notification): Target | null {
  const at = (n.subject ?? "").indexOf(":");
  const fromSubject = at > 0 ? targetFor(n.subject!.slice(0, at), n.subject!.slice(at + 1)) : null;
  if (fromSubject) return fromSubject;
  const params = n.params ?? {};
  for (const kind of ["order", "return", "collection", "customer"]) {
    const found = targetFor(kind, params[`${kind}_id`] ?? "");
    if (found) return found;
  }
  return null;
}
