import "@/admin/main";
