"""How jobs reach printers: a network ESC/POS printer over TCP, a FeieYun cloud printer over its
open API (with a local fake of that API for tests and `make run`)."""
