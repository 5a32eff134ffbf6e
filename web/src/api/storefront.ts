// The merchant's side of the storefront orders (B6 B7 B8 B12, F4's workbench), typed by hand
// from the API contract of issue 15 (the gateway's endpoints and the generated schema.d.ts arrive
// with the backend). Field names and shapes are the contract's; money is integer fen, times ISO
// 8601. When the generated document carries these paths, `storefront` can become `api`.
import { tokenClient } from "./client";
import type { ErrorBody } from "./errors";

export const KINDS = ["ecommerce", "reservation", "in_store", "takeaway", "face_to_face", "top_up"] as const;
export type Kind = (typeof KINDS)[number];

export const STATES = [
  "awaiting_payment",
  "paid",
  "shipped",
  "confirmed",
  "accepted",
  "delivering",
  "delivered",
  "done",
  "closed",
] as const;
export type State = (typeof STATES)[number];

/** The states each kind passes through (orders.domain.storefront.STEPS), for a list's filters. */
export const KIND_STATES: Record<Kind, readonly State[]> = {
  ecommerce: ["awaiting_payment", "paid", "shipped", "done", "closed"],
  reservation: ["awaiting_payment", "paid", "confirmed", "done", "closed"],
  in_store: ["awaiting_payment", "paid", "confirmed", "done", "closed"],
  takeaway: ["awaiting_payment", "paid", "accepted", "delivering", "delivered", "done", "closed"],
  face_to_face: ["awaiting_payment", "done", "closed"],
  top_up: ["awaiting_payment", "paid", "done", "closed"],
};

/** The kinds that take refund requests (the manual: 到店、当面付、储值不支持退款). */
export const REFUNDABLE: readonly Kind[] = ["ecommerce", "reservation", "takeaway"];

/** The steps the merchant takes (orders.domain.storefront.STEPS, party merchant). */
export const MERCHANT_ACTIONS = ["accept", "confirm", "ship", "dispatch", "deliver", "delivery_failed", "verify"] as const;
export type MerchantAction = (typeof MERCHANT_ACTIONS)[number];

export interface StorefrontLine {
  product_id: string;
  category_id?: string | null;
  name: string;
  quantity: number;
  unit_price_fen: number;
  amount_fen: number;
  spec?: string | null;
}

export interface StorefrontRefund {
  id: string;
  /** requested | approved (sent to the provider) | refunded | rejected | failed */
  state: string;
  requested_fen: number;
  approved_fen: number;
  reason?: string | null;
  reject_reason?: string | null;
  requested_at?: string | null;
  decided_at?: string | null;
  refunded_at?: string | null;
}

export interface StorefrontDelivery {
  provider: string;
  /** accepted | picking | delivering | delivered | cancelled | failed */
  status: string;
  reason?: string | null;
  rider_name?: string | null;
  rider_phone?: string | null;
  fee_fen?: number | null;
  distance_m?: number | null;
  updated_at?: string | null;
}

export interface StorefrontOrder {
  id: string;
  number: string;
  store_id: string;
  kind: Kind;
  state: State;
  customer_id?: string | null;
  customer_name?: string | null;
  customer_phone?: string | null;
  lines: StorefrontLine[];
  goods_total_fen: number;
  discount_fen: number;
  delivery_fee_fen: number;
  total_fen: number;
  paid_fen: number;
  refunded_fen: number;
  payment_method?: string | null;
  note?: string | null;
  contact_name?: string | null;
  contact_phone?: string | null;
  address?: string | null;
  reserved_for?: string | null;
  carrier?: string | null;
  tracking_no?: string | null;
  verification_code?: string | null;
  verification_qr?: string | null;
  reason?: string | null;
  refunds: StorefrontRefund[];
  delivery?: StorefrontDelivery | null;
  /** What the caller may do now, e.g. ["accept"]. */
  actions: string[];
  refundable?: boolean;
  placed_by_staff_id?: string | null;
  placed_at?: string | null;
  paid_at?: string | null;
  updated_at?: string | null;
  closes_at?: string | null;
}

export interface StorefrontOrderPage {
  items: StorefrontOrder[];
  total: number;
}

export interface StorefrontCount {
  kind: Kind;
  state: State;
  count: number;
  paid_fen: number;
}

export interface StorefrontSummary {
  store_id: string;
  day: string;
  orders: number;
  paid_fen: number;
  refunds_pending: number;
  counts: StorefrontCount[];
}

export interface ListQuery {
  store_id?: string;
  kind?: string;
  state?: string;
  /** YYYY-MM-DD, China time */
  day?: string;
  refund_pending?: boolean;
  page?: number;
  page_size?: number;
}

export interface ActionBody {
  carrier?: string;
  tracking_no?: string;
  code?: string;
  reason?: string;
}

// --- The contract's paths in the shape openapi-typescript generates (what openapi-fetch reads).

interface Answer<T> {
  200: { headers: { [name: string]: unknown }; content: { "application/json": T } };
  default: { headers: { [name: string]: unknown }; content: { "application/json": ErrorBody } };
}
type Params<Q, P> = { query?: Q; header?: never; cookie?: never } & ([P] extends [never] ? { path?: never } : { path: P });
interface Get<T, Q = never, P = never> {
  parameters: Params<Q, P>;
  requestBody?: never;
  responses: Answer<T>;
}
interface Post<T, B, P = never> {
  parameters: Params<never, P>;
  requestBody?: { content: { "application/json": B } };
  responses: Answer<T>;
}
type OrderPath = { order_id: string };
type RefundPath = { order_id: string; refund_id: string };

export interface StorefrontPaths {
  "/api/v1/storefront/orders": { get: Get<StorefrontOrderPage, ListQuery> };
  "/api/v1/storefront/summary": { get: Get<StorefrontSummary, { store_id?: string; day?: string }> };
  "/api/v1/storefront/orders/{order_id}": { get: Get<StorefrontOrder, never, OrderPath> };
  "/api/v1/storefront/orders/{order_id}/actions/{action}": {
    post: Post<StorefrontOrder, ActionBody, { order_id: string; action: string }>;
  };
  "/api/v1/storefront/verify": { post: Post<StorefrontOrder, { code: string; store_id?: string }> };
  "/api/v1/storefront/orders/{order_id}/refunds/{refund_id}/approve": {
    post: Post<StorefrontOrder, { amount_fen: number }, RefundPath>;
  };
  "/api/v1/storefront/orders/{order_id}/refunds/{refund_id}/reject": {
    post: Post<StorefrontOrder, { reason: string }, RefundPath>;
  };
  "/api/v1/storefront/orders/{order_id}/delivery": { post: Post<StorefrontOrder, Record<string, never>, OrderPath> };
}

export const storefront = tokenClient<StorefrontPaths>();
