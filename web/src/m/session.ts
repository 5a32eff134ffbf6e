import { defineSession } from "@/shared/session";

export const useSession = defineSession("m");
