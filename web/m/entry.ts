import "@/m/main";
