// The admin's pages. A page with `roles` or `permission` is for people holding one of those roles
// or that switch (the owner holds every switch); the services check again on every call: hiding
// is for clarity, not for safety.
import type { RouteComponent } from "vue-router";

export interface Page {
  path: string;
  name: string;
  title: string; // i18n key
  icon?: string;
  roles?: string[];
  permission?: string;
  // A page reached from another one (an editor from its list): no menu entry of its own, the
  // menu shows the parent's as the place the person is in.
  parent?: string;
  component: RouteComponent | (() => Promise<RouteComponent | { default: RouteComponent }>);
}

export const PAGES: Page[] = [
  { path: "", name: "home", title: "admin.menu.home", component: () => import("./views/HomeView.vue") },
  {
    path: "notifications",
    name: "notifications",
    title: "admin.notifications.title",
    component: () => import("./views/NotificationsView.vue"),
  },
  {
    path: "customers",
    name: "customers",
    title: "admin.menu.customers",
    component: () => import("./views/CustomersView.vue"),
  },
  {
    path: "orders",
    name: "orders",
    title: "admin.menu.orders",
    roles: ["store_manager", "finance", "warehouse"],
    component: () => import("./views/OrdersView.vue"),
  },
  {
    path: "returns",
    name: "returns",
    title: "admin.menu.returns",
    roles: ["store_manager", "finance", "warehouse"],
    component: () => import("./views/ReturnsView.vue"),
  },
  {
    // B6 B7 B8 B12: the storefront orders of the store worked in. Every store role is the
    // merchant of its stores' orders in the orders service (reads, steps, refund decisions).
    path: "storefront",
    name: "storefront",
    title: "admin.storefront.menu",
    roles: ["store_manager", "finance", "warehouse"],
    component: () => import("./views/StorefrontView.vue"),
  },
  {
    path: "collections",
    name: "collections",
    title: "admin.menu.collections",
    roles: ["store_manager", "finance"],
    permission: "approve_collections",
    component: () => import("./views/CollectionsView.vue"),
  },
  {
    path: "receivables",
    name: "receivables",
    title: "admin.menu.receivables",
    roles: ["store_manager", "finance"],
    component: () => import("./views/ReceivablesView.vue"),
  },
  {
    path: "catalogue",
    name: "catalogue",
    title: "admin.menu.catalogue",
    roles: ["store_manager", "warehouse"],
    component: () => import("./views/CatalogueView.vue"),
  },
  {
    path: "performance",
    name: "performance",
    title: "admin.menu.performance",
    roles: ["store_manager"],
    component: () => import("./views/PerformanceView.vue"),
  },
  {
    path: "coupons",
    name: "coupons",
    title: "admin.menu.coupons",
    roles: ["store_manager"],
    component: () => import("./views/CouponsView.vue"),
  },
  {
    path: "articles",
    name: "articles",
    title: "admin.articles.menu",
    roles: ["store_manager"],
    component: () => import("./views/ArticlesView.vue"),
  },
  {
    // D1: the editor is its own route so the rich-text editor loads only here.
    path: "articles/:id",
    name: "article",
    title: "admin.articles.editor.titleEdit",
    roles: ["store_manager"],
    parent: "articles",
    component: () => import("./views/ArticleEditView.vue"),
  },
  {
    // D6: documents, images, videos and scripts salespeople open, download and share.
    path: "materials",
    name: "materials",
    title: "admin.materials.menu",
    roles: ["store_manager"],
    component: () => import("./views/MaterialsView.vue"),
  },
  {
    // D3: the four modules every card shows and what a new card starts with.
    path: "card-template",
    name: "cardTemplate",
    title: "admin.cards.menu",
    roles: ["store_manager"],
    component: () => import("./views/CardTemplateView.vue"),
  },
  {
    // D4: the poster backgrounds salespeople draw their posters on, by theme.
    path: "poster-templates",
    name: "posterTemplates",
    title: "admin.posters.menu",
    roles: ["store_manager"],
    component: () => import("./views/PosterTemplatesView.vue"),
  },
  {
    // C10: every reader the staff's shares brought (the service shows managers all of them).
    path: "visitors",
    name: "visitors",
    title: "admin.visitors.menu",
    roles: ["store_manager"],
    component: () => import("./views/VisitorsView.vue"),
  },
  {
    // D8: what sharing did, per day, salesperson and article.
    path: "marketing-data",
    name: "marketingData",
    title: "admin.visitors.data.menu",
    roles: ["store_manager"],
    component: () => import("./views/MarketingDataView.vue"),
  },
  {
    path: "stored-value",
    name: "storedValue",
    title: "admin.menu.storedValue",
    roles: ["store_manager", "finance"],
    component: () => import("./views/StoredValueView.vue"),
  },
  {
    path: "staff",
    name: "staff",
    title: "admin.menu.staff",
    roles: ["store_manager"],
    component: () => import("./views/StaffView.vue"),
  },
  {
    path: "stores",
    name: "stores",
    title: "admin.menu.stores",
    roles: ["store_manager"],
    component: () => import("./views/StoresView.vue"),
  },
  {
    // G1 G4: the stores' receipt printers and their print queue.
    path: "printers",
    name: "printers",
    title: "admin.printers.menu",
    roles: ["store_manager"],
    component: () => import("./views/PrintersView.vue"),
  },
  {
    path: "settings",
    name: "settings",
    title: "admin.menu.settings",
    roles: ["store_manager"],
    component: () => import("./views/SettingsView.vue"),
  },
];

export function allowed(page: Page, roles: string[], permissions: string[]): boolean {
  if (roles.includes("owner") || (!page.roles && !page.permission)) return true;
  return (page.roles ?? []).some((r) => roles.includes(r)) || (!!page.permission && permissions.includes(page.permission));
}
