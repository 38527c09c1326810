#!/usr/bin/env python3
"""Every object of one kind, read page by page through `kubectl get --raw` (the API server's JSON as it is: at
100,000 RealServers `kubectl get -o custom-columns` took minutes on a busy machine, which the status phase's
figure counted): how many have no status yet (no status.observedGeneration), and when the newest status was
written (the newest managedFields entry of the status subresource: the API server's clock, 1 s resolution).

Usage: status-times.py API_PATH [PAGE]     e.g. status-times.py /apis/halvs.io/v1alpha1/realservers
Prints "UNWRITTEN NEWEST_EPOCH_MS" (0 when no object has a status). Uses the environment's KUBECONFIG.
"""
import datetime
import json
import subprocess
import sys
import urllib.parse


def main():
    path = sys.argv[1]
    page = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    unwritten = 0
    newest = 0.0
    token = ""
    while True:
        url = f"{path}?limit={page}" + (f"&continue={urllib.parse.quote(token)}" if token else "")
        answer = json.loads(subprocess.run(["kubectl", "get", "--raw", url], check=True,
                                           capture_output=True).stdout)
        for item in answer["items"]:
            if (item.get("status") or {}).get("observedGeneration") is None:
                unwritten += 1
            for entry in item["metadata"].get("managedFields") or []:
                if entry.get("subresource") == "status" and entry.get("time"):
                    at = datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%SZ")
                    newest = max(newest, at.replace(tzinfo=datetime.timezone.utc).timestamp())
        token = answer["metadata"].get("continue")
        if not token:
            break
    print(unwritten, int(newest * 1000))


if __name__ == "__main__":
    main()
