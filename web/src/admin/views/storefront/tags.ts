// How the admin colours a storefront order's state: waiting for the merchant stands out, finished
// is green, closed is grey.
import type { State } from "@/api/storefront";

type Tag = "success" | "warning" | "danger" | "info" | "primary";

const TAGS: Partial<Record<State, Tag>> = {
  awaiting_payment: "info",
  paid: "warning",
  shipped: "primary",
  confirmed: "primary",
  accepted: "primary",
  delivering: "primary",
  delivered: "primary",
  done: "success",
  closed: "info",
};

export function stateTag(state: State): Tag {
  return TAGS[state] ?? "info";
}
