using System.Buffers.Text;
using System.Text;

namespace Grains.Interfaces.Emails;

/// <summary>
/// What the public tracking links and inbound notifications carry, read without keys: the email's grain key. A
/// tracking token is <c>base64url(grain key).signature</c> (the email grain checks the signature with the tenant's
/// key); a Message-ID is <c>{email_id}.{base64url(partition)}@{sender domain}</c>.
/// </summary>
public static class EmailTokens
{
    public static string MessageId(string partition, string emailId, string fromEmail) =>
        $"{emailId}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(partition))}@{fromEmail[(fromEmail.IndexOf('@') + 1)..]}";

    /// <summary>The grain key and signature in a tracking token; null when it is not one.</summary>
    public static (string GrainKey, string Signature)? ReadToken(string token)
    {
        var dot = token.IndexOf('.');
        if (dot <= 0 || token.Length > 512)
        {
            return null;
        }
        var key = Decode(token[..dot]);
        return key is not null && IsEmailKey(key) ? (key, token[(dot + 1)..]) : null;
    }

    /// <summary>The grain key a Message-ID (with or without angle brackets) names; null when it is not one of ours.</summary>
    public static string? GrainKeyOf(string messageId)
    {
        var id = messageId.Trim().TrimStart('<').TrimEnd('>');
        var at = id.IndexOf('@');
        var dot = id.IndexOf('.');
        if (at < 0 || dot < 0 || dot > at)
        {
            return null;
        }
        var partition = Decode(id[(dot + 1)..at]);
        var key = partition is null ? null : EmailKeys.Grain(partition, id[..dot]);
        return key is not null && IsEmailKey(key) ? key : null;
    }

    private static bool IsEmailKey(string key)
    {
        var slash = key.IndexOf('/');
        return slash > 0 && key.IndexOf(':') is > 0 and var colon && colon < slash &&
               key.AsSpan(slash + 1).StartsWith(EmailKeys.IdPrefix + "_", StringComparison.Ordinal) && key.Length < 200;
    }

    private static string? Decode(string text)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
