/* fuzz/fuzz_notify_email.c - libFuzzer target: an outbox payload into an email, a trigger list (notify/notify_msg.c) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * LLVMFuzzerTestOneInput - the bytes as a stored payload (any JSON, or not
 * JSON) made into an email, and as a --on trigger list; an email that is
 * built must have CRLF line ends only
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *msg = NULL;
	struct notify_mail m = { "mailsec@monitor.example", "ops@example.org", 7, NULL };
	size_t len = 0;
	unsigned t;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	m.payload = text;
	if (notify_email(&m, &msg, &len) == MS_OK) {
		for (size_t i = 0; i < len; i++)
			if ((msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r')) ||
			    (msg[i] == '\r' && msg[i + 1] != '\n'))
				abort();	/* a bare CR or LF: a header could be injected */
		free(msg);
	}
	if (notify_triggers_parse(text, &t, NULL) == MS_OK)
		free(notify_triggers_text(t));
	free(text);
	return 0;
}
