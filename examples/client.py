#!/usr/bin/env python3
"""The full beautyrec flow from Python, with the standard library only (a reference for API clients).

    python examples/client.py --url http://127.0.0.1:8000 --username demo --password <printed by make run> \
        --image tests/fixtures/obama.jpg --out var/client-output

Steps: exchange the password for a token; upload the selfie for analysis and follow the job; ask for
recommendations per category (and, with ``--query``, in words); render a before/after preview of each recommended
product and save the JPEGs; with ``--reference``, transfer the look of a reference photo. Every error is printed
with its API code and the script exits non-zero. ``--token`` (or ``BEAUTYREC_TOKEN``) skips the password exchange.
"""

import argparse
import json
import mimetypes
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

POLL_SECONDS = 0.5


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code = status, code


class Client:
    """A thin client: JSON or multipart in, JSON (or bytes) out, token authentication, job polling."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, *, json_body: Any = None,
                fields: dict[str, str] | None = None, files: dict[str, Path] | None = None) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif files is not None or fields is not None:
            data, headers["Content-Type"] = multipart(fields or {}, files or {})
        raw = self._send(Request(self.base_url + path, data=data, headers=headers, method=method))
        return json.loads(raw) if raw else None

    def download(self, path: str) -> bytes:
        return self._send(Request(self.base_url + path, headers={"Authorization": f"Token {self.token}"}))

    def _send(self, request: Request) -> bytes:
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except HTTPError as exc:
            body = exc.read()
            try:
                error = json.loads(body)["error"]
            except (ValueError, KeyError, TypeError):  # not the API's error body (a proxy, a missing route)
                error = {"code": f"http_{exc.code}", "message": str(exc.reason)}
            raise ApiError(exc.code, error["code"], error["message"]) from None

    def run_job(self, path: str, **body: Any) -> dict[str, Any]:
        """POST work that answers with a Job and poll ``GET /api/v1/jobs/{id}/`` until it finishes."""
        job = self.request("POST", path, **body)
        last = None
        while job["status"] in ("queued", "running"):
            if (job["progress"], job["stage"]) != last:
                last = (job["progress"], job["stage"])
                print(f"    {job['kind']}: {job['status']} {job['progress']:3d}% {job['stage']}", flush=True)
            time.sleep(POLL_SECONDS)
            job = self.request("GET", job["url"])
        if job["status"] == "failed":
            raise ApiError(422, job["error"]["code"], job["error"]["message"])
        return job["result"]


def multipart(fields: dict[str, str], files: dict[str, Path]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, path in files.items():
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{path.name}"\r\n'
                     f"Content-Type: {kind}\r\n\r\n".encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def describe(face: dict[str, Any]) -> str:
    a = face["attributes"]
    shape = a.get("face_shape", {}).get("label", "n/a")
    return (f"skin {a['skin']['hex']} (Monk {a['skin']['monk']}, ITA {a['skin']['ita']}), undertone "
            f"{a['undertone'].get('label', 'n/a')}, face shape {shape}, age band {a['age']['band']}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    client = Client(args.url, token=args.token)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {}

    if not client.token:
        print(f"1. token for {args.username}")
        client.token = client.request("POST", "/api/v1/auth/token/",
                                      json_body={"username": args.username, "password": args.password})["token"]

    print(f"2. analyse {args.image}")
    analysis = client.run_job("/api/v1/recognition/analyze/", files={"image": Path(args.image)})
    face = analysis["faces"][0]
    print(f"   {len(analysis['faces'])} face(s); face 0: {describe(face)}")
    summary["photo_id"] = analysis["photo_id"]
    summary["attributes"] = face["attributes"]

    print("3. recommendations")
    products = []
    summary["recommendations"] = {}
    for category in args.categories:
        answer = client.request("GET", f"/api/v1/recommendations/?category={category}&k={args.k}")
        summary["recommendations"][category] = answer["results"]
        print(f"   {category} (model {answer['model_version']}):")
        for item in answer["results"]:
            p = item["product"]
            products.append(p)
            print(f"     {item['score']:.3f} {p['brand']} {p['name']} {p['shade_name']} {p['shade_hex']}: "
                  + "; ".join(item["reasons"]))
    if args.query:
        answer = client.request("GET", "/api/v1/recommendations/?" + urlencode({"q": args.query, "k": args.k}))
        query = answer["query"]
        summary["query"], summary["query_results"] = query, answer["results"]
        print(f"   asked {args.query!r}: " + ", ".join(f"{w} -> {kind}" for w, kind in query["words"].items())
              + (f"; free text {', '.join(query['free_text'])}" if query["free_text"] else "")
              + "".join(f"; ignored {d['constraint']} ({d['reason']})" for d in query["dropped"]))
        for item in answer["results"]:
            p = item["product"]
            print(f"     {item['score']:.3f} {p['brand']} {p['name']} {p['shade_name']} {p['price']}: "
                  + "; ".join(item["reasons"]))
    client.request("POST", "/api/v1/interactions/", json_body=[
        {"product": p["id"], "kind": "view", "client_event_id": str(uuid.uuid4())} for p in products])

    print(f"4. previews of {len(products)} product(s)")
    rendered = client.run_job("/api/v1/previews/", json_body={
        "photo_id": analysis["photo_id"], "items": [{"product": p["id"]} for p in products], "combine": False})
    summary["preview"] = rendered["preview"]
    summary["preview_files"] = []
    for image in rendered["images"]:
        target = out / f"preview-{image['index']}-product-{image['product']}.jpg"
        target.write_bytes(client.download(image["url"]))
        summary["preview_files"].append(str(target))
        print(f"   {target}")

    if args.reference:
        print(f"5. transfer the look of {args.reference} ({args.method})")
        look = client.run_job("/api/v1/previews/", fields={"photo_id": analysis["photo_id"], "method": args.method},
                              files={"reference_image": Path(args.reference)})
        target = out / "look-transfer.jpg"
        target.write_bytes(client.download(look["images"][0]["url"]))
        summary["look_file"] = str(target)
        print(f"   {target}")
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=os.environ.get("BEAUTYREC_TOKEN"))
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default=os.environ.get("BEAUTYREC_PASSWORD"))
    parser.add_argument("--image", required=True, help="a selfie (JPEG, PNG, HEIC...)")
    parser.add_argument("--reference", help="a photo of a makeup look to transfer")
    parser.add_argument("--method", choices=["analytic", "gan"], default="analytic",
                        help="look transfer: analytic colour transfer, or the GAN (needs an active makeup_gan model)")
    parser.add_argument("--categories", nargs="+", default=["foundation", "lipstick"])
    parser.add_argument("-k", type=int, default=3, help="recommendations per category")
    parser.add_argument("--query", help='also ask in words, e.g. "red lipstick under $50" (?q=)')
    parser.add_argument("--out", default="var/client-output", help="folder for the preview JPEGs and summary.json")
    args = parser.parse_args(argv)
    if not args.token and not args.password:
        parser.error("give --token (or BEAUTYREC_TOKEN) or --password (or BEAUTYREC_PASSWORD)")
    try:
        run(args)
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except URLError as exc:
        print(f"error: cannot reach {args.url}: {exc.reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
