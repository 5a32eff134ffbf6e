// Follow-ups (C8) as the back office writes them: the statuses the service knows, the next
// follow-up time as picked on a China clock, and moving a customer between the active list
// (跟进库) and the eliminated list (淘汰库), always with a reason.
import { ElMessage, ElMessageBox } from "element-plus";

import { api, call } from "@/api/client";

import { toastError } from "../../feedback";

export const FOLLOWUP_STATUSES = ["contacted", "interested", "negotiating", "won", "no_interest", "visited"] as const;
export type FollowupStatus = (typeof FOLLOWUP_STATUSES)[number];

const REASON_MAX = 200;

/** "YYYY-MM-DD HH:mm" read on the China clock (the merchant's), whatever the browser's zone. */
export function chinaWallTime(picked: string): string {
  return `${picked.replace(" ", "T")}:00+08:00`;
}

type Translate = (key: string, values?: Record<string, unknown>) => string;

/**
 * Eliminate (to 淘汰库) or restore (to 跟进库) one customer after asking why; true when moved.
 * The customer's salesperson or a manager may (the service checks); the reason is required.
 */
export async function moveCustomer(customerId: string, eliminate: boolean, t: Translate): Promise<boolean> {
  let reason: string;
  try {
    ({ value: reason } = await ElMessageBox.prompt(
      t(eliminate ? "admin.leads.eliminateReason" : "admin.leads.restoreReason"),
      t(eliminate ? "admin.leads.eliminate" : "admin.leads.restore"),
      {
        inputValidator: (v: string) => {
          const text = (v ?? "").trim();
          if (!text) return t("admin.leads.reasonRequired");
          return text.length <= REASON_MAX || t("admin.leads.tooLong", { n: REASON_MAX });
        },
      },
    ));
  } catch {
    return false; // cancelled
  }
  const request = { params: { path: { customer_id: customerId } }, body: { reason: reason.trim() } };
  try {
    if (eliminate) await call(api.POST("/api/v1/customers/{customer_id}/eliminate", request));
    else await call(api.POST("/api/v1/customers/{customer_id}/restore", request));
    ElMessage.success(t(eliminate ? "admin.leads.eliminated" : "admin.leads.restored"));
    return true;
  } catch (err) {
    toastError(err);
    return false;
  }
}
