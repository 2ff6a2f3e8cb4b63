/* bencode_json.h - a decoded or built bencode tree written out for people
 * and for JSON tools: the CLI's `list jsonstats` and rtpgate-ng's replies.
 *
 * Bencode strings become JSON strings: '"' and '\' are escaped, control
 * bytes become \n, \r, \t or \u00XX, other bytes (UTF-8 text) pass through
 * unchanged. Integers become numbers, lists arrays, dicts objects in their
 * order (bencode dicts may repeat a key; JSON readers then keep the last).
 */
#ifndef RG_BENCODE_JSON_H
#define RG_BENCODE_JSON_H

#include "bencode.h"
#include "buf.h"

enum bencode_json_style {
	BENCODE_JSON_COMPACT,	/* JSON on one line, no spaces */
	BENCODE_JSON_PRETTY,	/* JSON, two spaces of indent, one item a line */
	/* PRETTY, but a string holding a line break is shown as its lines,
	 * each on a line of its own after "| " (an SDP body reads as SDP).
	 * Not JSON: for people. */
	BENCODE_JSON_READABLE,
};

/* Appends @item (and everything below it) to @out in @style, without a
 * final newline. Recursion follows the tree's depth: use it on trees from
 * bencode_decode() (depth-limited) or built by the program. Errors are
 * reported by rg_buf_finish(@out). */
void bencode_json_write(const struct bencode_item *item, struct rg_buf *out,
			enum bencode_json_style style);

#endif
