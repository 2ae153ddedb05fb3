using System.Text.RegularExpressions;
using Grains.Encryption;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Projections;

namespace Grains.Customers;

/// <summary>
/// Customer search over encrypted data: terms are hashed with the tenant's index key (blind index), so matching
/// is token-exact, not substring. A customer is indexed by the words of its name and company, its whole email and
/// the words of the email (local part and domain labels), and its phone's digits; a search term matches when it
/// equals one of those (all terms of a search must match).
/// </summary>
public static partial class CustomerSearch
{
    private const string Purpose = "search";
    private const int MaxTermLength = 100;
    private const int MaxTokens = 128;

    public static IReadOnlyList<string> DocumentTokens(CustomerView customer, TenantCrypto crypto) =>
        Hash(DocumentTerms(customer), crypto);

    /// <summary>The same indexing for any record with words (names, company), an email and a phone (contacts).</summary>
    public static IReadOnlyList<string> DocumentTokens(IEnumerable<string?> words, string email, string? phone, TenantCrypto crypto) =>
        Hash(DocumentTerms(words, email, phone), crypto);

    /// <summary>The tokens a search must all match; empty when the search has no usable term.</summary>
    public static IReadOnlyList<string> QueryTokens(string search, TenantCrypto crypto) => Hash(QueryTerms(search), crypto);

    /// <summary>
    /// One page of a partition's PII-bearing records (customers, contacts) from the projection: the search hashed into
    /// blind-index tokens, each row opened with the tenant's keys by <paramref name="open"/>.
    /// </summary>
    public static Task<ListPage<TView>> ListAsync<TView>(IProjectionStore projections, TenantCrypto crypto, string partition,
        string resourceType, ListQuery query, Func<ProjectionRow, TView> open, CancellationToken cancellationToken) =>
        ProjectionLists.PageAsync(projections, partition, resourceType, query, search => QueryTokens(search, crypto), open, cancellationToken);

    public static IEnumerable<string> DocumentTerms(CustomerView customer) =>
        DocumentTerms([customer.Name, customer.Company], customer.Email, customer.Phone);

    private static IEnumerable<string> DocumentTerms(IEnumerable<string?> words, string emailText, string? phone)
    {
        foreach (var word in words.SelectMany(Words))
        {
            yield return word;
        }
        var email = emailText.ToLowerInvariant();
        yield return email;
        foreach (var word in Words(email))
        {
            yield return word;
        }
        if (phone is not null)
        {
            yield return Digits(phone);
        }
    }

    public static IEnumerable<string> QueryTerms(string search)
    {
        // A phone number is often typed with spaces or dashes: the whole search is then one number.
        var compact = PhoneSeparators().Replace(search, "");
        if (PhoneLike().IsMatch(compact))
        {
            yield return Digits(compact);
            yield break;
        }
        foreach (var part in search.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var term = part.ToLowerInvariant();
            if (term.Contains('@') && term.IndexOf('@') > 0)
            {
                yield return term.TrimEnd('.', ',', ';');
                continue;
            }
            foreach (var word in Words(term))
            {
                yield return word;
            }
        }
    }

    private static IEnumerable<string> Words(string? text) => SearchWords.Of(text);

    private static string Digits(string phone) => new(phone.Where(char.IsAsciiDigit).ToArray());

    private static IReadOnlyList<string> Hash(IEnumerable<string> terms, TenantCrypto crypto) =>
        terms.Where(t => t.Length is > 0 and <= MaxTermLength)
            .Distinct(StringComparer.Ordinal)
            .Take(MaxTokens)
            .Select(t => crypto.BlindIndex(Purpose, t))
            .ToList();

    [GeneratedRegex(@"[\s\-\(\)\.]")]
    private static partial Regex PhoneSeparators();

    [GeneratedRegex(@"^\+?[0-9]{6,15}$")]
    private static partial Regex PhoneLike();
}
