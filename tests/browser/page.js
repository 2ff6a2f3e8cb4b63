// page.js - the browser's side of tests/browser/run_browser.py.
//
// A thin command executor: it long-polls GET /cmd for the runner's next
// command, runs it on its RTCPeerConnections and POSTs the outcome to
// /result. All the test logic (signalling through rtpgated, the phone,
// the checks) is in the runner; this page only does what a WebRTC
// softphone's media layer does: getUserMedia, offer or answer without
// trickle, and getStats().
'use strict';

const calls = new Map();
let mic = null;

// The fake capture device with every processing step off, so that the
// runner's tone reaches the phone as a tone.
async function microphone() {
	if (!mic) {
		mic = await navigator.mediaDevices.getUserMedia({
			audio: { echoCancellation: false, noiseSuppression: false,
				 autoGainControl: false },
			video: false });
	}
	return mic;
}

function withTimeout(promise, ms, what) {
	let timer;
	const late = new Promise((resolve, reject) => {
		timer = setTimeout(() => reject(new Error(what + ' after ' + ms + ' ms')), ms);
	});
	return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// Non-trickle signalling: the SDP is sent once every candidate is in it.
function gathered(pc, ms) {
	const done = new Promise((resolve) => {
		const check = () => {
			if (pc.iceGatheringState === 'complete')
				resolve();
		};
		pc.addEventListener('icegatheringstatechange', check);
		check();
	});
	return withTimeout(done, ms, 'ICE gathering not complete');
}

// The remote audio is played (the receiving pipeline decodes only what is
// played out) and measured: the strongest frequency the browser hears.
function listen(call, stream) {
	const audio = new Audio();
	audio.srcObject = stream;
	audio.play().catch(() => {});
	const ctx = new AudioContext();
	const analyser = ctx.createAnalyser();
	analyser.fftSize = 8192;
	ctx.createMediaStreamSource(stream).connect(analyser);
	call.audio = audio;
	call.ctx = ctx;
	call.analyser = analyser;
}

function newCall(id) {
	if (calls.has(id))
		throw new Error('call ' + id + ' exists already');
	const pc = new RTCPeerConnection({ iceServers: [] });
	const call = { pc, audio: null, ctx: null, analyser: null };
	pc.ontrack = (ev) => listen(call, ev.streams[0] || new MediaStream([ev.track]));
	calls.set(id, call);
	return call;
}

function callOf(cmd) {
	const call = calls.get(cmd.call);
	if (!call)
		throw new Error('no call ' + cmd.call);
	return call;
}

async function sendMicrophone(pc) {
	const stream = await microphone();
	for (const track of stream.getAudioTracks())
		pc.addTrack(track, stream);
}

// The strongest frequency in the remote audio right now, in Hz, and its
// level in dB (null when nothing is being received).
function peak(call) {
	if (!call.analyser)
		return null;
	const bins = new Float32Array(call.analyser.frequencyBinCount);
	call.analyser.getFloatFrequencyData(bins);
	let best = 0;
	for (let i = 1; i < bins.length; i++) {
		if (bins[i] > bins[best])
			best = i;
	}
	return { hz: best * call.ctx.sampleRate / call.analyser.fftSize,
		 db: bins[best], state: call.ctx.state };
}

function pick(report, keys) {
	const out = {};
	for (const k of keys) {
		if (report[k] !== undefined)
			out[k] = report[k];
	}
	return out;
}

async function stats(call) {
	const all = await call.pc.getStats();
	const out = { inbound: [], outbound: [], transports: [], pairs: [],
		      candidates: {}, codecs: {} };
	all.forEach((r) => {
		if (r.type === 'inbound-rtp')
			out.inbound.push(pick(r, ['kind', 'ssrc', 'packetsReceived',
				'bytesReceived', 'packetsLost', 'jitter', 'codecId',
				'totalSamplesReceived', 'concealedSamples',
				'totalAudioEnergy', 'audioLevel']));
		else if (r.type === 'outbound-rtp')
			out.outbound.push(pick(r, ['kind', 'ssrc', 'packetsSent',
				'bytesSent', 'codecId']));
		else if (r.type === 'transport')
			out.transports.push(pick(r, ['iceState', 'dtlsState',
				'dtlsRole', 'tlsVersion', 'srtpCipher',
				'selectedCandidatePairId', 'packetsSent',
				'packetsReceived']));
		else if (r.type === 'candidate-pair')
			out.pairs.push(pick(r, ['id', 'state', 'nominated',
				'localCandidateId', 'remoteCandidateId',
				'requestsSent', 'responsesReceived']));
		else if (r.type === 'local-candidate' || r.type === 'remote-candidate')
			out.candidates[r.id] = pick(r, ['type', 'address', 'port',
				'protocol', 'candidateType']);
		else if (r.type === 'codec')
			out.codecs[r.id] = pick(r, ['mimeType', 'payloadType', 'clockRate']);
	});
	out.connectionState = call.pc.connectionState;
	out.iceConnectionState = call.pc.iceConnectionState;
	out.peak = peak(call);
	return out;
}

async function waitConnected(pc, ms) {
	const done = new Promise((resolve) => {
		const check = () => {
			const s = pc.connectionState;
			if (s === 'connected' || s === 'failed' || s === 'closed')
				resolve();
		};
		pc.addEventListener('connectionstatechange', check);
		check();
	});
	await withTimeout(done, ms, 'no connected or failed state').catch(() => {});
	return { connectionState: pc.connectionState,
		 iceConnectionState: pc.iceConnectionState };
}

const ops = {
	// The caller: a new call that offers the microphone; with cmd.early,
	// the offer goes before any candidate is gathered (as with trickle).
	async offer(cmd) {
		const call = newCall(cmd.call);
		await sendMicrophone(call.pc);
		await call.pc.setLocalDescription(await call.pc.createOffer());
		if (!cmd.early)
			await gathered(call.pc, cmd.ms);
		return { sdp: call.pc.localDescription.sdp };
	},
	async remoteAnswer(cmd) {
		await callOf(cmd).pc.setRemoteDescription({ type: 'answer', sdp: cmd.sdp });
		return {};
	},
	// The callee: a new call that answers @sdp with the microphone. With
	// cmd.early the answer is only created: no candidate, and no ICE or
	// DTLS until commitAnswer.
	async answer(cmd) {
		const call = newCall(cmd.call);
		await call.pc.setRemoteDescription({ type: 'offer', sdp: cmd.sdp });
		await sendMicrophone(call.pc);
		const answer = await call.pc.createAnswer();
		if (cmd.early)
			return { sdp: answer.sdp };
		await call.pc.setLocalDescription(answer);
		await gathered(call.pc, cmd.ms);
		return { sdp: call.pc.localDescription.sdp };
	},
	// A re-INVITE: a new offer, or an answer to @sdp, on the existing call.
	async reoffer(cmd) {
		const pc = callOf(cmd).pc;
		await pc.setLocalDescription(await pc.createOffer());
		await gathered(pc, cmd.ms);
		return { sdp: pc.localDescription.sdp };
	},
	async reanswer(cmd) {
		const pc = callOf(cmd).pc;
		await pc.setRemoteDescription({ type: 'offer', sdp: cmd.sdp });
		await pc.setLocalDescription(await pc.createAnswer());
		await gathered(pc, cmd.ms);
		return { sdp: pc.localDescription.sdp };
	},
	async commitAnswer(cmd) {
		await callOf(cmd).pc.setLocalDescription({ type: 'answer', sdp: cmd.sdp });
		return {};
	},
	async connected(cmd) {
		return waitConnected(callOf(cmd).pc, cmd.ms);
	},
	async stats(cmd) {
		return stats(callOf(cmd));
	},
	async close(cmd) {
		const call = callOf(cmd);
		call.pc.close();
		if (call.ctx)
			await call.ctx.close();
		calls.delete(cmd.call);
		return {};
	},
};

async function post(path, body) {
	await fetch(path, { method: 'POST', body: JSON.stringify(body),
			    headers: { 'Content-Type': 'application/json' } });
}

async function run(cmd) {
	try {
		if (!Object.hasOwn(ops, cmd.op))
			throw new Error('unknown op ' + cmd.op);
		return { seq: cmd.seq, ok: true,
			 value: await withTimeout(ops[cmd.op](cmd), 30000, cmd.op) };
	} catch (e) {
		return { seq: cmd.seq, ok: false, error: String((e && e.stack) || e) };
	}
}

async function main() {
	await post('/hello', { userAgent: navigator.userAgent });
	for (;;) {
		const cmd = await (await fetch('/cmd')).json();
		if (cmd.op === 'quit')
			break;
		if (cmd.op === 'idle')
			continue;
		await post('/result', await run(cmd));
	}
}

window.addEventListener('error', (ev) => post('/log', { error: String(ev.message) }));
main().catch((e) => post('/log', { error: String((e && e.stack) || e) }));
