using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DealBench;
using EmailBench;
using Harness;

// Issue #16's benchmark: emails requested over HTTP (POST /v1/emails/send), rendered (Fluid, three variables, a link),
// tracked (open pixel, click links, unsubscribe headers) and delivered to a real SMTP server on loopback, against the
// same through the `event` channel (published as email.send_requested), on one cluster-mode ApiHost (co-hosted silo,
// PostgreSQL). A run sends --emails per channel with --connections concurrent requests and times from the first request
// to the last message received (SMTP: the receiver's count; event: the tenant event log). The receiver is the bench's
// own in-memory SMTP sink (SmtpSink.cs; --receiver smtp4dev for smtp4dev), and the raw ceilings (prepared messages over
// 1 and --raw-connections MailKit connections, no API and no grains) are measured to the sink and to smtp4dev.
// Target: >= 500 emails/s over SMTP. Usually run through bench/bench.sh emails.
var options = BenchArgs.Parse(args);
var emails = options.Int("emails", 2000);
var connections = options.Int("connections", 32);
var contactsPerChannel = options.Int("contacts", 200);
var rawConnections = options.Int("raw-connections", 8);
var receiver = options.String("receiver", "sink");
var connectionsPerAccount = options.Int("connections-per-account", 0);   // 0: the server's default (Email:ConnectionsPerAccount)
var smtp4devPort = options.String("smtp-port") is { } givenPort ? int.Parse(givenPort, CultureInfo.InvariantCulture) : (int?)null;
var smtpApi = options.String("smtp-url")?.TrimEnd('/');
if (receiver is not ("sink" or "smtp4dev") || receiver == "smtp4dev" && (smtp4devPort is null || smtpApi is null))
{
    throw new ArgumentException("--receiver is sink (default) or smtp4dev (which needs --smtp-port and --smtp-url)");
}
await using var sink = SmtpSink.Start();
var smtpPort = receiver == "sink" ? sink.Port : smtp4devPort!.Value;
Log($"receiver: {receiver} on 127.0.0.1:{smtpPort}");
var started = DateTimeOffset.UtcNow;
var loadBefore = MachineInfo.LoadAverage();
await using var pg = await BenchDatabase.CreateAsync(options.RequirePostgres(), "emailbench", options.Has("keep-db"));
var dealBench = typeof(DealServer).Assembly.Location;
await using var server = await ChildProcess.StartReadyAsync("email-cluster", dealBench,
    ["--server", "--mode", "cluster", "--postgres", pg.ConnectionString, "--admin-key", Driver.AdminKey, "--cluster-id", "emailbench",
     .. ChildProcess.SiloPortArgs()], TimeSpan.FromMinutes(3),
    connectionsPerAccount > 0
        ? new Dictionary<string, string>
        {
            ["Email__TrackingBaseUrl"] = "https://track.bench.example",
            ["Email__ConnectionsPerAccount"] = connectionsPerAccount.ToString(CultureInfo.InvariantCulture),
        }
        : new Dictionary<string, string> { ["Email__TrackingBaseUrl"] = "https://track.bench.example" });
var api = new Api(server.Http);
// CPU per email: the server (ApiHost + silo), PostgreSQL (the throwaway server's processes), this driver, the rest.
var cpu = new CpuProbe([server.ProcessId], options.PostmasterPid);
using var smtp = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

// The live partition (the admin key) sends over SMTP; the test partition (a key of its own) through events.
var eventKey = JsonDocument.Parse(await api.PostAsync("/v1/keys", """{"name":"event channel","scopes":["*"],"environment":"test"}"""))
    .RootElement.GetProperty("data").GetProperty("secret").GetString()!;
var channels = new[] { new Channel("smtp", Driver.AdminKey), new Channel("event", eventKey) };
foreach (var channel in channels)
{
    var account = channel.Name == "smtp"
        ? $$"""{"channel":"smtp","from_email":"sales@seller.example","host":"127.0.0.1","port":{{smtpPort}},"tls":"none"}"""
        : """{"channel":"event","from_email":"sales@seller.example"}""";
    await Call(channel.Key, HttpMethod.Put, "/v1/emails/sending-account", account);
    var accountId = Id(await Call(channel.Key, HttpMethod.Post, "/v1/accounts", """{"name":"Acme Corp"}"""), "account");
    channel.Template = Id(await Call(channel.Key, HttpMethod.Post, "/v1/emails/templates", """
        {"name":"Bench","subject":"Hello {{first_name}} - Quick idea for {{company_name}}",
         "body":"Hi {first_name},\n\n{{company_name}} could use {{offer}}: https://seller.example/offer",
         "html_body":"<html><body><p>Hi {{first_name}},</p><p>{{company_name}} could use <a href=\"https://seller.example/offer\">{{offer}}</a>.</p></body></html>"}
        """), "template");
    for (var i = 0; i < contactsPerChannel; i++)
    {
        channel.Contacts.Add(Id(await Call(channel.Key, HttpMethod.Post, "/v1/contacts",
            $$"""{"account_id":"{{accountId}}","first_name":"Lead{{i}}","email":"lead{{i}}.{{channel.Name}}.{{Guid.NewGuid():N}}@acme.example"}"""), "contact"));
    }
}
Log($"setup done: {contactsPerChannel} contacts per channel");

var results = new List<RunResult>();
foreach (var channel in channels)
{
    // A short warm-up run (JIT, connections, grain types), then the measured one.
    await RunAsync(channel, Math.Min(200, emails), warmup: true);
    results.Add(await RunAsync(channel, emails, warmup: false));
}

// The ceilings: the same number of ready-made messages straight to the receivers over MailKit (no API, no grains).
// "Nagle on" is MailKit's own connect; the others connect a socket with TCP_NODELAY as SmtpDelivery does.
Task<long> SinkCount() => Task.FromResult(sink.Received);
results.Add(await RawSmtpAsync("raw-smtp sink, 1 connection, Nagle on", Math.Min(emails, 500), sink.Port, 1, false, SinkCount));
results.Add(await RawSmtpAsync("raw-smtp sink, 1 connection", emails, sink.Port, 1, true, SinkCount));
results.Add(await RawSmtpAsync($"raw-smtp sink, {rawConnections} connections", emails, sink.Port, rawConnections, true, SinkCount));
if (smtp4devPort is { } port4dev && smtpApi is not null)
{
    results.Add(await RawSmtpAsync("raw-smtp smtp4dev, 1 connection", Math.Min(emails, 500), port4dev, 1, true, Smtp4devCount));
}

var smtpResult = results.Single(r => r.Channel == "smtp");
var eventResult = results.Single(r => r.Channel == "event");
var passed = smtpResult.Errors == 0 && smtpResult.Delivered == emails && smtpResult.EmailsPerSecond >= 500;
var md = new StringBuilder();
void Line(string text = "") => md.AppendLine(text);
Line($"# Email benchmark: {started:yyyy-MM-dd HH:mm} UTC");
Line();
var receiverName = receiver == "sink" ? "the bench's in-memory SMTP sink (`SmtpSink.cs`, the SmtpServer library)" : "smtp4dev";
Line($"`{options.Command("EmailBench")}`. {Environment.ProcessorCount} cores, load average {loadBefore} before, {MachineInfo.LoadAverage()} after. One cluster-mode ApiHost (co-hosted silo, PostgreSQL) and {receiverName} on loopback (same machine). {emails} emails per channel to {contactsPerChannel} contacts, {connections} concurrent `POST /v1/emails/send`; each email rendered from a 3-variable template with an HTML part, open and click tracking on. Timed from the first request to the last message received (SMTP: counted at the receiver; event: `email.send_requested` in the event log).");
Line();
Line("| target | measured | result |");
Line("|---|---|---|");
Line(string.Create(CultureInfo.InvariantCulture, $"| ≥ 500 emails/s rendered and delivered over SMTP with tracking | **{smtpResult.EmailsPerSecond:N0} emails/s** ({smtpResult.Delivered}/{emails} delivered, {smtpResult.Errors} errors) | {Stats.Mark(passed)} |"));
Line();
Line("| channel | emails | accepted (201) | errors | requests done after | delivered | all delivered after | emails/s | POST p50 ms | POST p99 ms | sampled: scheduled → picked up, median ms | sampled: picked up → sent/published, median ms |");
Line("|---|---|---|---|---|---|---|---|---|---|---|---|");
foreach (var r in results)
{
    Line(r.Channel.StartsWith("raw-smtp", StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"| {r.Channel} | {r.Emails} | — | 0 | — | {r.Delivered} | {r.TotalSeconds:F1} s | {r.EmailsPerSecond:N0} | — | — | — | — |")
            : string.Create(CultureInfo.InvariantCulture, $"| {r.Channel} | {r.Emails} | {r.Accepted} | {r.Errors} | {r.RequestsSeconds:F1} s | {r.Delivered} | {r.TotalSeconds:F1} s | {r.EmailsPerSecond:N0} | {r.P50Ms:F1} | {r.P99Ms:F1} | {r.MedianWaitMs:F0} | {r.MedianSendMs:F0} |"));
}
Line();
Line("CPU per delivered email over each run (CPU ms; cores = CPU seconds per wall second over the run):");
Line();
Line("| channel | server (ApiHost + silo) ms/email | PostgreSQL ms/email | driver ms/email | server cores | PostgreSQL cores | driver cores | other processes cores | machine busy cores |");
Line("|---|---|---|---|---|---|---|---|---|");
foreach (var r in results.Where(r => r.Cpu is not null))
{
    var u = r.Cpu!;
    Line(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Channel} | {r.MsPerEmail(u.Server):F2} | {r.MsPerEmail(u.Postgres):F2} | {r.MsPerEmail(u.Driver):F2} | {u.Server:F2} | {u.Postgres:F2} | {u.Driver:F2} | {u.Other:F2} | {u.MachineBusy:F2} |"));
}
foreach (var error in results.SelectMany(r => r.ErrorSamples).Take(5))
{
    Line($"- error sample: `{error.ReplaceLineEndings(" ")}`");
}
Line();
Line($"SMTP: up to {(connectionsPerAccount > 0 ? connectionsPerAccount.ToString(CultureInfo.InvariantCulture) : "`Email:ConnectionsPerAccount` (default)")} connections for the one sending account; the event channel stops at the published event (an external executor sends). `raw-smtp` rows are the receivers' own ceilings on this machine: prepared messages sent straight to them over MailKit connections, no API and no grains.");
if (receiver == "sink")
{
    Line($"Sink: {sink.Received} messages received in all (warm-up and raw runs included), {sink.Duplicates} with a Message-ID seen before, {sink.WithoutMessageId} without one.");
}
Console.WriteLine(md);
Log($"wrote {await ReportFiles.WriteMarkdownAsync(options.ResultsDirectory, "emails", md.ToString())}");
return passed ? 0 : 2;

async Task<RunResult> RunAsync(Channel channel, int count, bool warmup)
{
    var baseline = await Delivered(channel);
    var cpuBefore = cpu.Sample();
    var latencies = new double[count];
    var errors = new List<string>();
    var samples = new List<string>();
    var accepted = 0;
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
    {
        while (Interlocked.Increment(ref next) is var i && i < count)
        {
            var contact = channel.Contacts[i % channel.Contacts.Count];
            var body = $$"""{"contact_id":"{{contact}}","template_id":"{{channel.Template}}","variables":{"offer":"a pilot {{i}}"},"track_opens":true,"track_clicks":true}""";
            var sent = clock.Elapsed;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/emails/send") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new("Bearer", channel.Key);
            try
            {
                using var response = await server.Http.SendAsync(request);
                if ((int)response.StatusCode == 201)
                {
                    Interlocked.Increment(ref accepted);
                    if (i % Math.Max(1, count / 20) == 0)
                    {
                        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                        lock (samples)
                        {
                            samples.Add(created.GetProperty("data").GetProperty("email").GetProperty("id").GetString()!);
                        }
                    }
                }
                else
                {
                    var error = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    lock (errors)
                    {
                        errors.Add(error);
                    }
                }
            }
            catch (Exception ex)
            {
                lock (errors)
                {
                    errors.Add(ex.Message);
                }
            }
            latencies[i] = (clock.Elapsed - sent).TotalMilliseconds;
        }
    }));
    var requestsDone = clock.Elapsed;
    var delivered = 0L;
    var deadline = clock.Elapsed + TimeSpan.FromSeconds(120);
    var lastProgress = (Count: -1L, At: clock.Elapsed);
    while (clock.Elapsed < deadline)
    {
        delivered = await Delivered(channel) - baseline;
        if (delivered >= accepted)
        {
            break;
        }
        if (delivered != lastProgress.Count)
        {
            lastProgress = (delivered, clock.Elapsed);
        }
        else if (clock.Elapsed - lastProgress.At > TimeSpan.FromSeconds(30))
        {
            break;   // stalled: report what arrived
        }
        await Task.Delay(50);
    }
    var total = clock.Elapsed;
    var usage = CpuUsage.Between(cpuBefore, cpu.Sample());
    Array.Sort(latencies);
    // Where a sampled email's time went: waiting to be picked up (scheduled → first step) and its send (→ done).
    var waits = new List<double>();
    var sends = new List<double>();
    foreach (var id in samples)
    {
        var timeline = JsonDocument.Parse(await Call(channel.Key, HttpMethod.Get, $"/v1/emails/{id}")).RootElement
            .GetProperty("data").GetProperty("email").GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("at").GetDateTimeOffset()).ToList();
        if (timeline.Count >= 2)
        {
            waits.Add((timeline[1] - timeline[0]).TotalMilliseconds);
            sends.Add((timeline[^1] - timeline[1]).TotalMilliseconds);
        }
    }
    var result = new RunResult(channel.Name, count, accepted, errors.Count, requestsDone.TotalSeconds, delivered, total.TotalSeconds,
        delivered / total.TotalSeconds, Stats.Percentile(latencies, 0.50) ?? 0, Stats.Percentile(latencies, 0.99) ?? 0, [.. errors.Take(5)])
    {
        MedianWaitMs = waits.Count > 0 ? Stats.Median(waits) : 0,
        MedianSendMs = sends.Count > 0 ? Stats.Median(sends) : 0,
        Cpu = usage,
    };
    Log(string.Create(CultureInfo.InvariantCulture,
        $"{channel.Name}{(warmup ? " (warm-up)" : "")}: {delivered}/{count} delivered in {total.TotalSeconds:F1} s = {result.EmailsPerSecond:N0}/s; requests done after {requestsDone.TotalSeconds:F1} s, {errors.Count} errors; sampled emails: median wait {Stats.Median(waits):F0} ms, median send {Stats.Median(sends):F0} ms; CPU ms/email: server {result.MsPerEmail(usage?.Server ?? 0):F2}, PostgreSQL {result.MsPerEmail(usage?.Postgres ?? 0):F2}, driver {result.MsPerEmail(usage?.Driver ?? 0):F2}; other processes {usage?.Other ?? 0:F2} cores"));
    return result;
}

async Task<RunResult> RawSmtpAsync(string name, int count, int port, int parallel, bool noDelay, Func<Task<long>> received)
{
    var baseline = await received();
    var messages = Enumerable.Range(0, count).Select(i =>
    {
        var message = new MimeKit.MimeMessage();
        message.From.Add(MimeKit.MailboxAddress.Parse("sales@seller.example"));
        message.To.Add(MimeKit.MailboxAddress.Parse($"raw{i}.{Guid.NewGuid():N}@acme.example"));
        message.Subject = $"Hello Lead{i} - Quick idea for Acme Corp";
        message.Body = new MimeKit.BodyBuilder
        {
            TextBody = $"Hi Lead{i},\n\nAcme Corp could use a pilot {i}: https://seller.example/offer",
            HtmlBody = $"<html><body><p>Hi Lead{i},</p><p>Acme Corp could use <a href=\"https://seller.example/offer\">a pilot {i}</a>.</p></body></html>",
        }.ToMessageBody();
        return message;
    }).ToList();
    var clients = new List<MailKit.Net.Smtp.SmtpClient>();
    for (var c = 0; c < parallel; c++)
    {
        var client = new MailKit.Net.Smtp.SmtpClient();
        if (noDelay)
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
            await client.ConnectAsync(socket, "127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        }
        else
        {
            await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        }
        clients.Add(client);
    }
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(clients.Select(async client =>
    {
        while (Interlocked.Increment(ref next) is var i && i < count)
        {
            await client.SendAsync(messages[i]);
        }
    }));
    var seconds = clock.Elapsed.TotalSeconds;
    foreach (var client in clients)
    {
        await client.DisconnectAsync(true);
        client.Dispose();
    }
    var delivered = await received() - baseline;
    Log(string.Create(CultureInfo.InvariantCulture, $"{name}: {delivered}/{count} in {seconds:F1} s = {count / seconds:N0}/s"));
    return new RunResult(name, count, count, 0, seconds, delivered, seconds, count / seconds, 0, 0, []);
}

async Task<long> Smtp4devCount() =>
    (await smtp.GetFromJsonAsync<JsonElement>($"{smtpApi}/api/messages?pageSize=1")).GetProperty("rowCount").GetInt64();

// SMTP: messages the receiver holds; event: email.send_requested events in the partition's log (paged by sequence).
async Task<long> Delivered(Channel channel)
{
    if (channel.Name == "smtp")
    {
        return receiver == "sink" ? sink.Received : await Smtp4devCount();
    }
    while (true)
    {
        var body = JsonDocument.Parse(await Call(channel.Key, HttpMethod.Get,
            $"/v1/webhooks/events?event_type=email.send_requested&limit=100&since_sequence={channel.LastSequence}")).RootElement.GetProperty("data");
        var events = body.GetProperty("events").GetArrayLength();
        channel.Published += events;
        if (body.GetProperty("cursor").GetProperty("last_sequence").ValueKind == JsonValueKind.Number)
        {
            channel.LastSequence = Math.Max(channel.LastSequence, body.GetProperty("cursor").GetProperty("last_sequence").GetInt64());
        }
        if (!body.GetProperty("cursor").GetProperty("has_more").GetBoolean())
        {
            return channel.Published;
        }
    }
}

async Task<string> Call(string key, HttpMethod method, string url, string? json = null)
{
    for (var attempt = 0; ; attempt++)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new("Bearer", key);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await server.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode)
        {
            return body;
        }
        // The bootstrap key is created by a hosted service that may finish just after /ready answers.
        if ((int)response.StatusCode != 401 || attempt >= 40)
        {
            throw new InvalidOperationException($"{method} {url}: HTTP {(int)response.StatusCode} {body}");
        }
        await Task.Delay(250);
    }
}

static string Id(string body, string resource) =>
    JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty(resource).GetProperty("id").GetString()!;

static void Log(string line) => Console.WriteLine($"emails: {DateTimeOffset.UtcNow:HH:mm:ss} {line}");

internal sealed class Channel(string name, string key)
{
    public string Name => name;
    public string Key => key;
    public string Template { get; set; } = "";
    public List<string> Contacts { get; } = [];
    public long LastSequence { get; set; }
    public long Published { get; set; }
}

internal sealed record RunResult(string Channel, int Emails, int Accepted, int Errors, double RequestsSeconds, long Delivered, double TotalSeconds,
    double EmailsPerSecond, double P50Ms, double P99Ms, IReadOnlyList<string> ErrorSamples)
{
    public double MedianWaitMs { get; init; }
    public double MedianSendMs { get; init; }
    public CpuUsage? Cpu { get; init; }

    /// <summary>CPU milliseconds per delivered email of <paramref name="cores"/> (cores over the run's wall time).</summary>
    public double MsPerEmail(double cores) => Delivered > 0 ? cores * TotalSeconds * 1000 / Delivered : 0;
}
