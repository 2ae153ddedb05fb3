using System.Collections.Concurrent;
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
/// Sends over SMTP with MailKit, one connection per sending account kept open and reused (sends on it are one at a
/// time). 5xx replies are permanent; 4xx, protocol and connection errors are transient (the connection is dropped
/// and the next send reconnects).
/// </summary>
public sealed class SmtpDelivery(IOptions<EmailOptions> options, ILogger<SmtpDelivery> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Connection> connections = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs on the thread pool, not on the calling grain's scheduler: the connection is held for the whole SMTP
    /// transaction, and its round trips must not wait behind other grains' turns (that made one connection 6x slower).
    /// </summary>
    public Task<SmtpResult> Send(string account, SmtpSettings settings, MimeMessage message, CancellationToken cancellationToken = default) =>
        Task.Run(() => SendOnPool(account, settings, message, cancellationToken), cancellationToken);

    private async Task<SmtpResult> SendOnPool(string account, SmtpSettings settings, MimeMessage message, CancellationToken cancellationToken)
    {
        var connection = connections.GetOrAdd(account, _ => new Connection());
        await connection.Gate.WaitAsync(cancellationToken);
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
            connection.Gate.Release();
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
        await client.ConnectAsync(settings.Host, settings.Port, socketOptions, cancellationToken);
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
        foreach (var connection in connections.Values)
        {
            await Reset(connection, true);
        }
    }

    private sealed class Connection
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public SmtpClient? Client { get; set; }
        public string? Fingerprint { get; set; }
    }
}
