// The login form's state and steps, shared by both apps' login pages (each draws its own).
import { computed, onBeforeUnmount, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";

import { ApiError } from "@/api/errors";
import { PHONE } from "./i18n";
import type { LoginResult, SessionStore } from "./session";

type Tenant = { tenant_id: string; tenant_name: string; staff_name?: string; roles?: string[] };

export function useLoginForm(session: SessionStore, onDone: () => void) {
  const { t } = useI18n();
  const mode = ref<"password" | "sms">("password");
  const form = reactive({ phone: "", password: "", code: "" });
  const errors = reactive<Record<string, string>>({});
  const message = ref("");
  const busy = ref(false);
  const wait = ref(0);
  const choice = ref<{ ticket: string; tenants: Tenant[] } | null>(null);
  let timer: ReturnType<typeof setInterval> | undefined;
  onBeforeUnmount(() => clearInterval(timer));

  function clear() {
    for (const k of Object.keys(errors)) delete errors[k];
    message.value = "";
  }

  function fail(err: unknown) {
    if (err instanceof ApiError) {
      Object.assign(errors, err.fields);
      message.value = err.message;
    } else {
      message.value = String(err);
    }
  }

  function check(): boolean {
    clear();
    if (!PHONE.test(form.phone)) errors.phone = t("login.phoneRequired");
    if (mode.value === "password" && !form.password) errors.password = t("login.passwordRequired");
    if (mode.value === "sms" && !/^\d{6}$/.test(form.code)) errors.code = t("login.codeRequired");
    return Object.keys(errors).length === 0;
  }

  async function sendCode() {
    clear();
    if (!PHONE.test(form.phone)) {
      errors.phone = t("login.phoneRequired");
      return;
    }
    try {
      await session.requestCode(form.phone);
      wait.value = 60;
      timer = setInterval(() => {
        wait.value -= 1;
        if (wait.value <= 0) clearInterval(timer);
      }, 1000);
    } catch (err) {
      fail(err);
    }
  }

  async function finish(result: LoginResult) {
    if (result.outcome === "choose_tenant") {
      choice.value = { ticket: result.choice.ticket, tenants: (result.choice.tenants ?? []) as Tenant[] };
      return;
    }
    await session.loadMe();
    onDone();
  }

  async function submit() {
    if (busy.value || !check()) return;
    busy.value = true;
    try {
      const result =
        mode.value === "password"
          ? await session.loginWithPassword(form.phone, form.password)
          : await session.loginWithCode(form.phone, form.code);
      await finish(result);
    } catch (err) {
      fail(err);
    } finally {
      busy.value = false;
    }
  }

  async function choose(tenantId: string) {
    if (!choice.value) return;
    busy.value = true;
    try {
      await session.choose(choice.value.ticket, tenantId);
      await session.loadMe();
      onDone();
    } catch (err) {
      fail(err);
    } finally {
      busy.value = false;
    }
  }

  const codeLabel = computed(() => (wait.value > 0 ? t("login.resendIn", { s: wait.value }) : t("login.sendCode")));
  return { mode, form, errors, message, busy, wait, choice, codeLabel, sendCode, submit, choose };
}
