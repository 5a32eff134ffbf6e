// Who is logged in to this app, and the tokens: kept per app in localStorage (the admin and the
// mobile app are separate logins on one device), refreshed once on a 401 (api/client.ts).
import { defineStore } from "pinia";

import { api, call, useTokens } from "@/api/client";
import type { components } from "@/api/schema";

type Staff = components["schemas"]["StaffOut"];
type TokenPair = components["schemas"]["TokenPairOut"];
type Choice = components["schemas"]["TenantChoiceOut"];
type LoginOut = components["schemas"]["LoginOut"];

export type LoginResult = { outcome: "logged_in" } | { outcome: "choose_tenant"; choice: Choice };

export function defineSession(app: "admin" | "m") {
  const key = `crm.${app}.session`;

  const useSession = defineStore("session", {
    state: () => {
      const saved = JSON.parse(localStorage.getItem(key) ?? "null") as {
        access: string;
        refresh: string;
      } | null;
      return {
        access: saved?.access ?? (null as string | null),
        refresh: saved?.refresh ?? (null as string | null),
        me: null as Staff | null,
        language: localStorage.getItem("crm.language") ?? "zh-CN",
      };
    },
    getters: {
      loggedIn: (s) => s.access !== null,
      roles: (s): string[] => s.me?.roles ?? [],
      permissions: (s): string[] => s.me?.permissions ?? [],
    },
    actions: {
      hasRole(...roles: string[]): boolean {
        return roles.some((r) => this.roles.includes(r));
      },
      can(permission: string): boolean {
        return this.hasRole("owner") || this.permissions.includes(permission);
      },
      keep(pair: TokenPair) {
        this.access = pair.access_token;
        this.refresh = pair.refresh_token;
        this.me = pair.staff ?? this.me;
        localStorage.setItem(key, JSON.stringify({ access: this.access, refresh: this.refresh }));
      },
      forget() {
        this.access = this.refresh = null;
        this.me = null;
        localStorage.removeItem(key);
      },
      answer(out: LoginOut): LoginResult {
        if (out.outcome === "choose_tenant" && out.choice) return { outcome: "choose_tenant", choice: out.choice };
        this.keep(out as TokenPair);
        return { outcome: "logged_in" };
      },
      async loginWithPassword(phone: string, password: string): Promise<LoginResult> {
        return this.answer(await call(api.POST("/api/v1/auth/login/password", { body: { phone, password } })));
      },
      async requestCode(phone: string): Promise<void> {
        await call(api.POST("/api/v1/auth/sms-codes", { body: { phone, purpose: "login" } }));
      },
      async loginWithCode(phone: string, code: string): Promise<LoginResult> {
        return this.answer(await call(api.POST("/api/v1/auth/login/sms", { body: { phone, code } })));
      },
      async choose(ticket: string, tenantId: string): Promise<void> {
        this.keep(await call(api.POST("/api/v1/auth/login/choose", { body: { ticket, tenant_id: tenantId } })));
      },
      async loadMe(): Promise<Staff> {
        this.me = await call(api.GET("/api/v1/me"));
        return this.me;
      },
      async renew(): Promise<string | null> {
        if (!this.refresh) return null;
        const { data, response } = await api.POST("/api/v1/auth/refresh", { body: { refresh_token: this.refresh } });
        if (!response.ok || !data) {
          this.forget();
          return null;
        }
        this.keep(data);
        return this.access;
      },
      /** A4: work in another of my stores; the new access token carries it (the refresh token stays). */
      async switchStore(storeId: string): Promise<void> {
        const switched = await call(api.POST("/api/v1/stores/{store_id}/switch", { params: { path: { store_id: storeId } } }));
        this.access = switched.access_token;
        localStorage.setItem(key, JSON.stringify({ access: this.access, refresh: this.refresh }));
      },
      async logout(): Promise<void> {
        if (this.refresh) {
          // Ends the session everywhere at once (revoked in every service, ADR 0011).
          await api.POST("/api/v1/auth/logout", { body: { refresh_token: this.refresh } }).catch(() => undefined);
        }
        this.forget();
      },
      setLanguage(language: string) {
        this.language = language;
        localStorage.setItem("crm.language", language);
      },
    },
  });

  return useSession;
}

export type SessionStore = ReturnType<ReturnType<typeof defineSession>>;

/** Connect the API client to a session store (after Pinia is installed). */
export function connectTokens(session: SessionStore): void {
  useTokens({
    accessToken: () => session.access,
    refresh: () => session.renew(),
    language: () => session.language,
  });
}
