/* codec.h - codec list manipulation on an m= section (no transcoding). */
#ifndef RG_CODEC_H
#define RG_CODEC_H

#include "ng.h"
#include "sdp.h"

/* Applies the request's codec strip/except/mask/offer lists to @m: removed
 * payload types leave the m= line with their rtpmap/fmtp/rtcp-fb lines.
 * Non-RTP media are left alone. Returns 0, or -EINVAL (ng_fail) when the
 * filters would leave @m without any codec. */
int rg_codec_filter(struct ng_request *req, struct sdp_media *m);

#endif
