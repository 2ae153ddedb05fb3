using Grains.Encryption;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Platform;

namespace Grains.Emails;

[GenerateSerializer, Immutable, Alias("emails.account-record")]
public sealed record SendingAccountRecord
{
    [Id(0)] public required SendingAccountView View { get; init; }

    /// <summary>The SMTP password sealed with the tenant's data key; only <see cref="SmtpDelivery"/>'s caller opens it.</summary>
    [Id(1)] public string? SealedPassword { get; init; }
}

[GenerateSerializer, Alias("emails.account-state")]
public sealed class SendingAccountState
{
    [Id(0)] public SendingAccountRecord? Account { get; set; }
}

/// <summary>Silo-internal: the account with its sealed password, for the email grains.</summary>
public interface ISendingAccountSource : IGrainWithStringKey
{
    Task<SendingAccountRecord?> Account();
}

/// <summary>One partition's sending account (<c>{tenant}:{env}</c>).</summary>
public sealed class SendingAccountGrain(
    [PersistentState("email-sending-account")] IPersistentState<SendingAccountState> state,
    TenantKeyCache keys,
    TimeProvider time) : Grain, ISendingAccountGrain, ISendingAccountSource
{
    private string Partition => this.GetPrimaryKeyString();

    public static string PasswordContext(string partition) => $"emails|{partition}|smtp_password";

    public async Task<SendingAccountView> Save(SendingAccountInput input)
    {
        var smtp = input.Channel == SendingChannels.Smtp;
        if (smtp && string.IsNullOrWhiteSpace(input.Host))
        {
            throw DomainException.Invalid("host", "required", "host is required for the smtp channel");
        }
        var previous = state.State.Account;
        string? sealedPassword = null;
        if (input.Password is { Length: > 0 } password)
        {
            var crypto = await keys.ForTenant(Partition[..Partition.IndexOf(':')]);
            sealedPassword = crypto.Encrypt(password, PasswordContext(Partition));
        }
        else if (previous?.View.Username == input.Username)
        {
            // Same user and no new password: keep the stored one (the API never shows it, so clients cannot resend it).
            sealedPassword = previous?.SealedPassword;
        }
        var view = new SendingAccountView
        {
            Channel = input.Channel, FromEmail = input.FromEmail, FromName = input.FromName,
            Host = smtp ? input.Host : null, Port = smtp ? input.Port ?? DefaultPort(input.Tls) : null, Tls = smtp ? input.Tls ?? "starttls" : null,
            Username = smtp ? input.Username : null, PasswordSet = sealedPassword is not null, UpdatedAt = time.GetUtcNow(),
        };
        state.State.Account = new SendingAccountRecord { View = view, SealedPassword = smtp ? sealedPassword : null };
        await state.WriteStateAsync();
        return view;
    }

    public Task<SendingAccountView> Get() =>
        Task.FromResult(state.State.Account?.View ?? throw DomainException.NotFound("Sending account"));

    public Task<SendingAccountRecord?> Account() => Task.FromResult(state.State.Account);

    private static int DefaultPort(string? tls) => tls switch
    {
        "ssl" => 465,
        "none" => 25,
        _ => 587,
    };
}
