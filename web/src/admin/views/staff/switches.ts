// The permission switches the owner gives staff (the order is how the forms list them).
import type { components } from "@/api/schema";

export type Switch = components["schemas"]["PermissionsIn"]["permissions"][number];
export const SWITCHES: Switch[] = ["change_price", "see_all_customers", "approve_collections"];
