// The admin's texts: the shell's and first pages' in base.ts, then one module per back-office
// area, each giving its `zh` and `en` halves under `admin.<area>`.
import { pickAreas } from "@/shared/locales/areas";

import * as articles from "./articles";
import { en as baseEn, zh as baseZh } from "./base";
import * as cards from "./cards";
import * as changes from "./changes";
import * as coupons from "./coupons";
import * as customers from "./customers";
import * as details from "./details";
import * as leads from "./leads";
import * as materials from "./materials";
import * as notifications from "./notifications";
import * as performance from "./performance";
import * as posters from "./posters";
import * as printers from "./printers";
import * as receivables from "./receivables";
import * as returns from "./returns";
import * as settings from "./settings";
import * as storedValue from "./storedValue";
import * as storefront from "./storefront";
import * as stores from "./stores";
import * as visitors from "./visitors";

const AREAS = {
  customers,
  leads,
  returns,
  storefront,
  receivables,
  performance,
  coupons,
  articles,
  materials,
  cards,
  posters,
  visitors,
  storedValue,
  settings,
  stores,
  notifications,
  printers,
  changes,
  details,
};

export const zh = { admin: { ...baseZh.admin, ...pickAreas(AREAS, "zh") } };
export const en = { admin: { ...baseEn.admin, ...pickAreas(AREAS, "en") } };
