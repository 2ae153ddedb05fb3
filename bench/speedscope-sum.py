#!/usr/bin/env python3
"""Sums a dotnet-trace sampled-thread-time profile (converted with `dotnet-trace convert --format speedscope`) into
telemetry categories, per request: where full telemetry's cost goes on the foundation bench's grain GET.

Usage: python3 bench/speedscope-sum.py LABEL=trace.speedscope.json:REQUESTS [...]
REQUESTS is how many requests the server completed while the trace ran. Samples whose stack ends in a wait (idle
thread-pool workers, blocking waits, the file watcher) are left out; the rest are attributed to the innermost frame
outside the base class library. The sampled time is wall time of running or runnable threads, so on a busy machine
every category is inflated alike: compare shares within one profile, not microseconds across profiles."""
import collections
import json
import re
import sys

BASE = ('UNMANAGED_CODE_TIME', 'CPU_TIME', 'System.Private.CoreLib', 'System.Linq', 'System.Collections',
        'System.Collections.Concurrent', 'System.Runtime', 'System.Memory')
WAIT = re.compile(r'Monitor\.Wait|WaitHandle|LowLevelLifoSemaphore|WaitOne|Thread\.Sleep|SemaphoreSlim\.Wait|'
                  r'ManualResetEventSlim\.Wait|LowLevelMonitor|WaitCore|WaitForSocketEvents|SocketAsyncEngine\.EventLoop')


def stacks_of(path):
    """Time (ms) per distinct stack (a tuple of frame names), over every thread of the profile."""
    data = json.load(open(path))
    frames = [f['name'] for f in data['shared']['frames']]
    times = collections.Counter()
    for profile in data['profiles']:
        stack, last = [], None
        for event in profile['events']:
            if stack and last is not None:
                times[tuple(frames[i] for i in stack)] += event['at'] - last
            last = event['at']
            if event['type'] == 'O':
                stack.append(event['frame'])
            elif event['frame'] in stack:
                del stack[len(stack) - 1 - stack[::-1].index(event['frame']):]
    return times


def waiting(names):
    if any(WAIT.search(n) for n in names[-4:]):
        return True
    return names[-1] == 'UNMANAGED_CODE_TIME' and len(names) > 1 and (
        'FileSystem.Watcher' in names[-2] or names[-2].endswith('WorkerThreadStart()'))


def category(names):
    for depth in range(len(names) - 1, -1, -1):
        name = names[depth]
        module = name.split('!')[0]
        if module in BASE:
            continue
        if module.startswith('OpenTelemetry.Exporter') or 'ExporterProc' in ' '.join(names):
            return 'span export (OTLP)' if 'BatchExport' in ' '.join(names) or module.startswith('OpenTelemetry.Exporter') else 'metric reader'
        if module.startswith('OpenTelemetry'):
            return 'OpenTelemetry metrics' if 'Metric' in name or 'MeterProvider' in name else 'OpenTelemetry tracing (SDK, ASP.NET Core instrumentation)'
        if module == 'System.Diagnostics.DiagnosticSource' or 'ActivityPropagation' in name or 'HostingApplicationDiagnostics' in name:
            if '.Metrics.' in name:
                return 'meters (System.Diagnostics.Metrics)'
            callers = [c for c in names[:depth + 1][::-1]
                       if c.split('!')[0] not in BASE and c.split('!')[0] != 'System.Diagnostics.DiagnosticSource']
            caller = callers[0] if callers else ''
            if 'ActivityPropagation' in caller:
                return 'activities: Orleans grain-call spans'
            if caller.startswith('Microsoft.AspNetCore'):
                return 'activities: ASP.NET Core request span'
            if caller.startswith('OpenTelemetry'):
                return 'activities: read by OpenTelemetry'
            return 'activities: other'
        return 'application, Orleans, Kestrel, runtime'
    return 'thread pool, unresolved'


def main(args):
    results = {}
    for arg in args:
        label, rest = arg.split('=', 1)
        path, requests = rest.rsplit(':', 1)
        per = collections.Counter()
        for names, ms in stacks_of(path).items():
            if not waiting(names):
                per[category(names)] += ms * 1000 / float(requests)
        results[label] = per
    keys = sorted(set().union(*results.values()), key=lambda k: -max(r[k] for r in results.values()))
    print('| category | ' + ' | '.join(f'{label} µs/req (share)' for label in results) + ' |')
    print('|---|' + '---:|' * len(results))
    for key in keys:
        print(f'| {key} | ' + ' | '.join(f'{r[key]:.1f} ({100 * r[key] / sum(r.values()):.1f}%)' for r in results.values()) + ' |')
    print('| total | ' + ' | '.join(f'{sum(r.values()):.1f}' for r in results.values()) + ' |')


if __name__ == '__main__':
    main(sys.argv[1:])
