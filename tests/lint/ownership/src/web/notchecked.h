/* tests/lint/ownership/src/web/notchecked.h - scripts/lint test tree: a folder outside OWNERSHIP_DIRS */
#ifndef NOTCHECKED_H
#define NOTCHECKED_H

/* web_thing - a pointer in and out, and no word on it: not looked at in this folder */
char *web_thing(const char *s);

#endif
