/* src/checks/spf/check_spf.h - fixture */
