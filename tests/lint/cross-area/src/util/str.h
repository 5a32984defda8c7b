/* src/util/str.h - fixture */
