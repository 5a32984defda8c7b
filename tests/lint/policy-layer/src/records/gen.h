/* src/records/gen.h - fixture */
