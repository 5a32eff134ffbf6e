// The campaigns (sends to a segment) and printed batches this person started, remembered here.
import { useSession } from "../../session";
import { useRemembered } from "./remembered";

export interface Campaign {
  id: string; // the send's id
  template_id: string;
  template_name: string;
  segment_name: string;
  issued: number;
  at: string;
}

export interface RememberedBatch {
  id: string;
  template_id: string;
  template_name: string;
  quantity: number;
  at: string;
}

export function useCampaigns() {
  return useRemembered<Campaign>("coupon-sends", useSession().me?.id ?? "");
}

export function useBatches() {
  return useRemembered<RememberedBatch>("coupon-batches", useSession().me?.id ?? "");
}
