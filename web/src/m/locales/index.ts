// The mobile app's texts: the first pages' in base.ts, then one module per area, each giving its
// `zh` and `en` halves under `m.<area>`.
import { pickAreas } from "@/shared/locales/areas";

import * as articles from "./articles";
import { en as baseEn, zh as baseZh } from "./base";
import * as cards from "./cards";
import * as commissions from "./commissions";
import * as coupons from "./coupons";
import * as leads from "./leads";
import * as materials from "./materials";
import * as nearby from "./nearby";
import * as pool from "./pool";
import * as posters from "./posters";
import * as returns from "./returns";
import * as storeData from "./storeData";
import * as storedValue from "./storedValue";
import * as visitors from "./visitors";
import * as visits from "./visits";
import * as workbench from "./workbench";

const AREAS = { articles, materials, cards, posters, returns, storeData, nearby, pool, coupons, visits, visitors, leads, commissions, storedValue, workbench };

export const zh = { m: { ...baseZh.m, ...pickAreas(AREAS, "zh") } };
export const en = { m: { ...baseEn.m, ...pickAreas(AREAS, "en") } };
