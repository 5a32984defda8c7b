/* tests/lint/ownership/src/cli/notchecked.h - scripts/lint test tree: a folder outside OWNERSHIP_DIRS */
#ifndef NOTCHECKED_H
#define NOTCHECKED_H

/* cli_thing - not checked for ownership words here */
char *cli_thing(const char *s);

#endif
