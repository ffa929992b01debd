#!/usr/bin/python3
"""Local RTSP camera for the stream tests and the demo (GStreamer RTSP server through Debian's python3-gi).

Run it with /usr/bin/python3 (the python3 on PATH may be a build without `gi`).

Mounts (H.264 like a real camera, TCP and UDP pulls both work):
  /street  the JPEG frames of --frames (a glob, sorted) looped at --fps: a static street camera with people moving
  /still   the first of those frames repeated at --fps: a scene where nothing moves

--port 0 picks a free port. Once the server listens it prints one line `READY <port>` on stdout (and flushes),
so a caller can wait for it instead of sleeping. SIGTERM/SIGINT stop it.
"""
import argparse
import glob
import os
import shutil
import signal
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

ENCODE = (
    "videoconvert ! video/x-raw,format=I420 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate=1500 ! "
    "rtph264pay name=pay0 pt=96 config-interval=1"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", required=True, help="glob of JPEG frames, e.g. fixtures/street_*.jpg")
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--fps", type=int, default=10)
    args = parser.parse_args()

    frames = sorted(glob.glob(args.frames))
    if not frames:
        print(f"no frames match {args.frames}", file=sys.stderr)
        return 2
    # multifilesrc wants a printf pattern: link the frames as 00000.jpg, 00001.jpg, ... in a scratch folder.
    workdir = tempfile.mkdtemp(prefix="rtsp-frames-")
    for i, path in enumerate(frames):
        os.symlink(os.path.abspath(path), os.path.join(workdir, f"{i:05d}.jpg"))
    caps = f"image/jpeg,framerate={args.fps}/1"
    gop = max(1, args.fps)
    street = (
        f'( multifilesrc location="{workdir}/%05d.jpg" index=0 stop-index={len(frames) - 1} loop=true '
        f'caps="{caps}" ! jpegdec ! {ENCODE.format(gop=gop)} )'
    )
    still = (
        f'( filesrc location="{os.path.abspath(frames[0])}" ! jpegdec ! imagefreeze is-live=true ! '
        f"video/x-raw,framerate={args.fps}/1 ! {ENCODE.format(gop=gop)} )"
    )

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for path, launch in (("/street", street), ("/still", still)):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(True)
        # A client that disconnects must not stop the others; a new client after all left gets a fresh pipeline.
        factory.set_eos_shutdown(False)
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on {args.address}:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()

    def stop(*_args):
        loop.quit()
        return GLib.SOURCE_REMOVE

    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, stop)
    print(f"READY {server.get_bound_port()}", flush=True)
    try:
        loop.run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
