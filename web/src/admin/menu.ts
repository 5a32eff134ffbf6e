// The admin's pages. `roles` / `permission` decide which menu entries and routes a person gets
// (the services check again on every call: hiding is for clarity, not for safety).
import type { RouteComponent } from "vue-router";

export interface Page {
  path: string;
  name: string;
  title: string; // i18n key
  icon?: string;
  roles?: string[];
  permission?: string;
  component: RouteComponent | (() => Promise<RouteComponent | { default: RouteComponent }>);
}

export const PAGES: Page[] = [
  { path: "", name: "home", title: "admin.menu.home", component: () => import("./views/HomeView.vue") },
  {
    path: "customers",
    name: "customers",
    title: "admin.menu.customers",
    component: () => import("./views/CustomersView.vue"),
  },
];

export function allowed(page: Page, roles: string[], permissions: string[]): boolean {
  if (roles.includes("owner")) return true;
  if (page.roles && !page.roles.some((r) => roles.includes(r))) return false;
  return !page.permission || permissions.includes(page.permission);
}
