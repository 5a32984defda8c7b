/* src/audit/audit.h - fixture */
