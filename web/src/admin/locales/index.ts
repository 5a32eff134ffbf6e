// The admin's texts: the shell's and first pages' in base.ts, then one module per back-office
// area, each giving its `zh` and `en` halves under `admin.<area>`.
import { en as baseEn, zh as baseZh } from "./base";
import * as coupons from "./coupons";
import * as customers from "./customers";
import * as performance from "./performance";
import * as receivables from "./receivables";
import * as returns from "./returns";
import * as settings from "./settings";
import * as storedValue from "./storedValue";
import * as stores from "./stores";

const AREAS = { customers, returns, receivables, performance, coupons, storedValue, settings, stores };

type Area = keyof typeof AREAS;
type Texts<L extends "zh" | "en"> = { [A in Area]: (typeof AREAS)[A][L] };

function pick<L extends "zh" | "en">(lang: L): Texts<L> {
  return Object.fromEntries(Object.entries(AREAS).map(([area, texts]) => [area, texts[lang]])) as Texts<L>;
}

export const zh = { admin: { ...baseZh.admin, ...pick("zh") } };
export const en = { admin: { ...baseEn.admin, ...pick("en") } };
