// sip_page.js - the browser's side of tests/browser/run_sip.py: a SIP
// softphone built on SIP.js (npm, pinned in package.json), registering
// and calling over SIP-over-WebSocket through Kamailio.
//
// Its commands run in page.js's executor (long poll of GET /cmd, results
// POSTed to /result), which this module loads. It keeps one user agent and
// at most one session; the SIP start lines it sends and receives are
// recorded (SIP.js's traceSip log) so the runner can check the dialogue.
'use strict';

import { Inviter, Registerer, RegistererState, SessionState, UserAgent }
	from '/sipjs/index.js';

const MEDIA = {
	constraints: {
		audio: { echoCancellation: false, noiseSuppression: false,
			 autoGainControl: false },
		video: false,
	},
};

let ua = null;
let registerer = null;
let session = null;
let incoming = [];
let sipLines = [];
let listener = null;

// Resolves once @pred() holds, checking every 50 ms, within @ms.
function until(pred, ms, what) {
	return withTimeout(new Promise((resolve) => {
		const tick = () => (pred() ? resolve() : setTimeout(tick, 50));
		tick();
	}), ms, what);
}

// SIP.js's trace of the WebSocket: the first line of each SIP message.
function logConnector(level, category, label, content) {
	const m = /^(Sending|Received) WebSocket (?:text )?message:\s*\n\s*\n?([^\r\n]*)/
		.exec(String(content));
	if (m)
		sipLines.push((m[1] === 'Sending' ? '> ' : '< ') + m[2]);
}

function watch(s) {
	session = s;
	s.stateChange.addListener((state) => {
		if (state === SessionState.Established)
			listenTo(s);
	});
}

// The remote audio, played and measured by page.js's listen(): what
// page.js's stats() reports on (its "call" is this object).
function listenTo(s) {
	const pc = s.sessionDescriptionHandler.peerConnection;
	const stream = new MediaStream();
	for (const r of pc.getReceivers())
		if (r.track)
			stream.addTrack(r.track);
	listener = { pc, audio: null, ctx: null, analyser: null };
	listen(listener, stream);	// eslint-disable-line no-undef
}

function sessionState() {
	return session ? session.state : null;
}

async function closeListener() {
	if (listener && listener.ctx) {
		listener.audio.srcObject = null;
		await listener.ctx.close();
	}
	listener = null;
}

const sipOps = {
	// A user agent for sip:@user@@domain on ws://@server, registered.
	async register(cmd) {
		ua = new UserAgent({
			uri: UserAgent.makeURI('sip:' + cmd.user + '@' + cmd.domain),
			transportOptions: { server: cmd.server, traceSip: true },
			sessionDescriptionHandlerFactoryOptions: {
				peerConnectionConfiguration: { iceServers: [] },
				iceGatheringTimeout: 3000,
			},
			logBuiltinEnabled: false,
			logConnector,
			delegate: { onInvite: (inv) => incoming.push(inv) },
		});
		await ua.start();
		registerer = new Registerer(ua, { expires: 600 });
		await registerer.register();
		await until(() => registerer.state === RegistererState.Registered,
			    cmd.ms, 'not registered');
		return { state: registerer.state, sip: sipLines };
	},
	// Calls @target; returns once the session is established (200 OK
	// received, ACK sent) or has ended.
	async call(cmd) {
		const target = UserAgent.makeURI(cmd.target);
		const inviter = new Inviter(ua, target,
			{ sessionDescriptionHandlerOptions: MEDIA });
		watch(inviter);
		await inviter.invite();
		await until(() => [SessionState.Established, SessionState.Terminated]
			    .includes(inviter.state), cmd.ms, 'no answer');
		return { state: inviter.state, sip: sipLines };
	},
	// Waits for an INVITE and accepts it; returns once the ACK is in.
	async accept(cmd) {
		await until(() => incoming.length > 0, cmd.ms, 'no INVITE');
		const inv = incoming.shift();
		watch(inv);
		const before = sipLines.length;
		await inv.accept({ sessionDescriptionHandlerOptions: MEDIA });
		await until(() => [SessionState.Established, SessionState.Terminated]
			    .includes(inv.state), cmd.ms, 'not established');
		// SIP.js calls the session established once its 200 OK is sent;
		// the ACK (checked by the runner) is waited for here, a while.
		await until(() => sipLines.slice(before).some((l) => l.startsWith('< ACK ')),
			    5000, '').catch(() => {});
		return { state: inv.state, from: inv.remoteIdentity.uri.toString(),
			 sip: sipLines };
	},
	async sipStats() {
		if (!listener)
			throw new Error('no session with media');
		return stats(listener);		// eslint-disable-line no-undef
	},
	// Sends BYE; returns once it is answered and the session is over.
	async hangup(cmd) {
		const answered = new Promise((resolve) => {
			session.bye({ requestDelegate: { onAccept: resolve,
							 onReject: resolve } });
		});
		await withTimeout(answered, cmd.ms, 'BYE not answered');
		return sipOps.ended(cmd);
	},
	// Waits until the session is over (the other side's BYE).
	async ended(cmd) {
		await until(() => sessionState() === SessionState.Terminated,
			    cmd.ms, 'session not terminated');
		await closeListener();
		return { state: sessionState(), sip: sipLines };
	},
	async sipLog() {
		return { sip: sipLines };
	},
	async unregister(cmd) {
		await registerer.unregister();
		await until(() => registerer.state === RegistererState.Unregistered,
			    cmd.ms, 'not unregistered');
		await ua.stop();
		return { state: registerer.state, sip: sipLines };
	},
};

// page.js's command loop runs these too: page.js is loaded once SIP.js
// is, and its ops table (a global binding) gets ours before its loop asks
// for the first command (a script's load event fires right after it ran).
const script = document.createElement('script');
script.src = 'page.js';
script.onload = () => Object.assign(ops, sipOps);    // eslint-disable-line no-undef
document.body.appendChild(script);
