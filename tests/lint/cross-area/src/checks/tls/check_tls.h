/* src/checks/tls/check_tls.h - fixture */
