// What both apps make of a storefront order (B6 B7 B8 B12): the admin's 门店订单 and the phone's
// workbench offer the same steps, refund limits and filters, so they live here once. The words
// for kinds, states, steps and refunds are the shared `storefront.*` texts.
import {
  KIND_STATES,
  MERCHANT_ACTIONS,
  REFUNDABLE,
  STATES,
  type Kind,
  type ListQuery,
  type MerchantAction,
  type StorefrontLine,
  type StorefrontOrder,
  type StorefrontRefund,
} from "@/api/storefront";

import { yuan } from "./money";

type Translate = (key: string) => string;
type Has = (key: string) => boolean;

/** The list's filter beside the states: orders with a refund request waiting for the merchant. */
export const REFUND_FILTER = "refund_pending";

export type StepField = "carrier" | "tracking_no" | "code" | "reason";

/** The steps that need words typed first (the gateway's STEP_NEEDS); the others are one tap. */
export const STEP_NEEDS: Partial<Record<MerchantAction, readonly StepField[]>> = {
  ship: ["carrier", "tracking_no"],
  verify: ["code"],
  delivery_failed: ["reason"],
};

/** What the server says the caller may do now, in the order the steps come. */
export function merchantSteps(order: StorefrontOrder | null | undefined): MerchantAction[] {
  return MERCHANT_ACTIONS.filter((a) => order?.actions.includes(a));
}

/** B12: a takeaway being prepared may go out with the delivery company instead of the shop's rider. */
export function mayHandToDelivery(order: StorefrontOrder | null | undefined): boolean {
  return !!order && order.kind === "takeaway" && order.state === "accepted" && order.actions.includes("dispatch");
}

/** What may still be refunded: paid less what went back already. */
export function refundLeft(order: StorefrontOrder | null | undefined): number {
  return order ? order.paid_fen - order.refunded_fen : 0;
}

/** Whether a refund request of the order waits for the merchant. */
export function waitingRefund(order: StorefrontOrder): boolean {
  return order.refunds.some((r) => r.state === "requested");
}

/** What an approval starts from: what the customer asked for, unless less is left now. */
export function suggestedRefund(refund: StorefrontRefund, left: number): number {
  return Math.min(refund.requested_fen, left);
}

/** An amount the merchant may approve: above 0 and at most what is left (the service's rule). */
export function approvable(fen: number | null, left: number): fen is number {
  return fen !== null && fen > 0 && fen <= left;
}

/** The filters a list offers for `kind`: every state (its own, once a kind is chosen), then
 * 待退款 where the kind takes refunds; "" is all. */
export function stateFilters(kind: Kind | ""): string[] {
  const states = kind ? KIND_STATES[kind] : STATES;
  const refunds = !kind || REFUNDABLE.includes(kind);
  return ["", ...states, ...(refunds ? [REFUND_FILTER] : [])];
}

export interface ListFilter {
  storeId: string;
  kind: Kind | "";
  /** A state, REFUND_FILTER or "" (all). */
  filter: string;
  /** YYYY-MM-DD (China) or "" (any day). */
  day: string;
}

/** The list's query. A refund waits for an answer whatever day its order was placed and in
 * whatever state, so 待退款 asks without either. */
export function listQuery(f: ListFilter, page: number, pageSize: number): ListQuery {
  const refunds = f.filter === REFUND_FILTER;
  return {
    store_id: f.storeId || undefined,
    kind: f.kind || undefined,
    state: refunds ? undefined : f.filter || undefined,
    day: refunds ? undefined : f.day || undefined,
    refund_pending: refunds || undefined,
    page,
    page_size: pageSize,
  };
}

/** "少辣 · 2 × ¥12.00": a line's options and how its amount came about. */
export function lineLabel(line: StorefrontLine): string {
  const each = `${line.quantity} × ${yuan(line.unit_price_fen)}`;
  return line.spec ? `${line.spec} · ${each}` : each;
}

/**
 * A word of the storefront's vocabulary (`storefront.<group>.<value>`: a payment method, a
 * delivery company or status), else the value as the API sent it, so a provider or status newer
 * than this app still shows.
 */
export function storefrontWord(
  t: Translate,
  te: Has,
  group: "methods" | "providers" | "deliveryStates",
  value: string | null | undefined,
): string {
  const key = `storefront.${group}.${value}`;
  return value && te(key) ? t(key) : (value ?? "");
}
