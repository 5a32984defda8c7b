/* src/core/base.h - a diamond: no cycle */
