// What a modular application writes to use cosmos-lite: require the module, and open the package
// of the records/classes it stores to Gson, which maps them by reflection.
module example.orders {
  requires io.cosmoslite;
  opens example.orders to com.google.gson;
}
