/* src/policy/spf_parse.h - fixture */
