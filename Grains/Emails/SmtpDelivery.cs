using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Grains.Emails;

public enum SmtpOutcome
{
    Sent,
    Transient,
    Permanent,
}

/// <summary>What the SMTP server did with a message (the error text when it did not take it).</summary>
public sealed record SmtpResult(SmtpOutcome Outcome, string? Error = null);

/// <summary>The settings of one sending account's SMTP server, the password opened.</summary>
public sealed record SmtpSettings(string Host, int Port, string Tls, string? Username, string? Password)
{
    /// <summary>A changed account gets a new connection (the password is part of it, so a rotation reconnects).</summary>
    public string Fingerprint => $"{Host}:{Port}:{Tls}:{Username}:{Password?.GetHashCode()}";
}

/// <summary>
/// Sends over SMTP with MailKit through a bounded pool per sending account: up to <see cref="EmailOptions.ConnectionsPerAccount"/>
/// connections, opened when needed, kept open and reused (one send at a time on each; MailKit pipelines a message's
/// MAIL/RCPT/DATA when the server offers PIPELINING). 5xx replies are permanent; 4xx, protocol and connection errors
/// are transient (that connection is dropped and its next send reconnects).
/// </summary>
public sealed class SmtpDelivery(IOptions<EmailOptions> options, ILogger<SmtpDelivery> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Pool> pools = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs on the thread pool, not on the calling grain's scheduler: the connection is held for the whole SMTP
    /// transaction, and its round trips must not wait behind other grains' turns (that made one connection 6x slower).
    /// </summary>
    public Task<SmtpResult> Send(string account, SmtpSettings settings, MimeMessage message, CancellationToken cancellationToken = default) =>
        Task.Run(() => SendOnPool(account, settings, message, cancellationToken), cancellationToken);

    private async Task<SmtpResult> SendOnPool(string account, SmtpSettings settings, MimeMessage message, CancellationToken cancellationToken)
    {
        var pool = pools.GetOrAdd(account, _ => new Pool(Math.Max(1, options.Value.ConnectionsPerAccount)));
        await pool.Gate.WaitAsync(cancellationToken);
        // Holding the gate guarantees a free slot: an idle connection, or a new one (opened by Connected).
        var connection = pool.Idle.TryDequeue(out var idle) ? idle : new Connection();
        try
        {
            var client = await Connected(connection, settings, cancellationToken);
            await client.SendAsync(message, cancellationToken);
            return new SmtpResult(SmtpOutcome.Sent);
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            logger.LogInformation("SMTP refused {MessageId} for good: {Status} {Error}", message.MessageId, (int)ex.StatusCode, ex.Message);
            await Reset(connection, true);
            return new SmtpResult(SmtpOutcome.Permanent, $"{(int)ex.StatusCode} {ex.Message}");
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or IOException or ServiceNotConnectedException
                                       or ServiceNotAuthenticatedException or System.Net.Sockets.SocketException or TimeoutException
                                       or AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation(ex, "SMTP send of {MessageId} failed (transient)", message.MessageId);
            await Reset(connection, true);
            return new SmtpResult(SmtpOutcome.Transient, ex.Message);
        }
        finally
        {
            pool.Idle.Enqueue(connection);
            pool.Gate.Release();
        }
    }

    private async Task<SmtpClient> Connected(Connection connection, SmtpSettings settings, CancellationToken cancellationToken)
    {
        if (connection.Client is { IsConnected: true } open && connection.Fingerprint == settings.Fingerprint)
        {
            return open;
        }
        await Reset(connection, true);
        var client = new SmtpClient { Timeout = (int)options.Value.SmtpTimeout.TotalMilliseconds };
        var socketOptions = settings.Tls switch
        {
            "ssl" => SecureSocketOptions.SslOnConnect,
            "starttls" => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };
        // Our own socket for TCP_NODELAY: with Nagle on, a reply-bound command waited for the server's delayed ACK
        // (~40 ms on Linux; one connection did 22 messages/s to a server that takes thousands).
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(options.Value.SmtpTimeout);
            await socket.ConnectAsync(settings.Host, settings.Port, connectTimeout.Token);
            await client.ConnectAsync(socket, settings.Host, settings.Port, socketOptions, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            client.Dispose();
            throw;
        }
        if (!string.IsNullOrEmpty(settings.Username))
        {
            await client.AuthenticateAsync(settings.Username, settings.Password ?? "", cancellationToken);
        }
        connection.Client = client;
        connection.Fingerprint = settings.Fingerprint;
        return client;
    }

    private static async Task Reset(Connection connection, bool drop)
    {
        if (!drop || connection.Client is not { } client)
        {
            return;
        }
        connection.Client = null;
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(true);
            }
        }
        catch (Exception)
        {
            // The connection is being thrown away; how it ends does not matter.
        }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in pools.Values)
        {
            while (pool.Idle.TryDequeue(out var connection))
            {
                await Reset(connection, true);
            }
        }
    }

    /// <summary>One account's connections: the gate admits as many sends as there may be connections.</summary>
    private sealed class Pool(int size)
    {
        public SemaphoreSlim Gate { get; } = new(size, size);
        public ConcurrentQueue<Connection> Idle { get; } = new();
    }

    private sealed class Connection
    {
        public SmtpClient? Client { get; set; }
        public string? Fingerprint { get; set; }
    }
}
