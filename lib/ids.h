/* ids.h — the one rule for ids (SPEC §4.3): product, customer and request
 * ids are 1 to MAX_ID_LEN of A-Z a-z 0-9 _ - (request ids also . and :),
 * the first a letter or digit, so an id is never an option on a command
 * line, a formula in a spreadsheet or a hidden file name. Header only (no
 * object file) so that every module, the configuration's included, shares
 * it without a link dependency. */
#ifndef MEMBERSHIP_IDS_H
#define MEMBERSHIP_IDS_H

#include <stddef.h>

#define MAX_ID_LEN 64

/* The rule in words, for messages: the characters, then the first one. */
#define ID_TEXT_(n)           #n
#define ID_TEXT(n)            ID_TEXT_(n)
#define ID_CHARS_TEXT         "1-" ID_TEXT(MAX_ID_LEN) " of A-Z a-z 0-9 _ -"
#define REQUEST_ID_CHARS_TEXT "1-" ID_TEXT(MAX_ID_LEN) " of A-Z a-z 0-9 _ - . :"
#define ID_FIRST_TEXT         "start with a letter or digit"

static inline int id_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* 1 when the n bytes at s are a valid id (with . and : when dot_colon). */
static inline int id_valid(const char *s, size_t n, int dot_colon)
{
	if (n == 0 || n > MAX_ID_LEN || !id_alnum(s[0]))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!id_alnum(c) && c != '_' && c != '-' && !(dot_colon && (c == '.' || c == ':')))
			return 0;
	}
	return 1;
}

#endif
