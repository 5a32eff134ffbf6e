// How a coupon template and a coupon read on screen.
import type { components } from "@/api/schema";
import { yuan } from "@/shared/money";
import { chinaDate } from "@/shared/time";

type Template = components["schemas"]["TemplateOut"];
type Translate = (key: string, named?: Record<string, unknown>) => string;

export function worth(c: Template, t: Translate): string {
  const min = c.min_spend_fen ? ` / ≥${yuan(c.min_spend_fen)}` : "";
  if (c.kind === "cash") return `${yuan(c.value_fen)}${min}`;
  if (c.kind === "discount") return `-${c.percent_off}%${min}`;
  return `${t("admin.coupons.kinds.pickup")}${min}`;
}

export function validity(c: Template, t: Translate): string {
  if (c.valid_days) return t("admin.coupons.daysAfter", { days: c.valid_days });
  return `${chinaDate(c.valid_from)} ~ ${chinaDate(c.valid_until)}`;
}

/** A coupon's or batch's state in the caller's language; an unknown one as the API says it. */
export function stateText(t: Translate, te: (key: string) => boolean, group: string, state: string): string {
  const key = `admin.coupons.${group}.${state}`;
  return te(key) ? t(key) : state;
}
