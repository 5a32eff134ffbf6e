// The mobile app's texts: the first pages' in base.ts, then one module per area, each giving its
// `zh` and `en` halves under `m.<area>`.
import { en as baseEn, zh as baseZh } from "./base";
import * as coupons from "./coupons";
import * as nearby from "./nearby";
import * as pool from "./pool";
import * as returns from "./returns";
import * as storeData from "./storeData";
import * as visits from "./visits";

const AREAS = { returns, storeData, nearby, pool, coupons, visits };

type Area = keyof typeof AREAS;
type Texts<L extends "zh" | "en"> = { [A in Area]: (typeof AREAS)[A][L] };

function pick<L extends "zh" | "en">(lang: L): Texts<L> {
  return Object.fromEntries(Object.entries(AREAS).map(([area, texts]) => [area, texts[lang]])) as Texts<L>;
}

export const zh = { m: { ...baseZh.m, ...pick("zh") } };
export const en = { m: { ...baseEn.m, ...pick("en") } };
