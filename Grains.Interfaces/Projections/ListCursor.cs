using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Grains.Interfaces.Projections;

/// <summary>
/// A position in a list's order (newest first by <see cref="Sort"/>, ties by id descending): the sort
/// value and id of one row. On the wire it is opaque base64url; both stores read and write the same form,
/// so a cursor from one page works for the next whichever store served it.
/// </summary>
/// <remarks>
/// Layout: format byte, sort byte, UTC ticks (8 bytes, big-endian), UTF-8 id. The sort is inside so a cursor
/// issued for <c>sort=updated_at</c> is not silently applied to <c>created_at</c>.
/// </remarks>
public sealed record ListCursor(ListSort Sort, DateTimeOffset At, string Id)
{
    /// <summary>Longest id a cursor carries (resource ids are far shorter); bounds what we decode.</summary>
    public const int MaxIdBytes = 255;

    private const byte Format = 1;
    private const int HeaderBytes = 10;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The cursor pointing at <paramref name="row"/> in <paramref name="sort"/> order.</summary>
    public static ListCursor For(ProjectionRow row, ListSort sort) =>
        new(sort, sort == ListSort.UpdatedAt ? row.UpdatedAt : row.CreatedAt, row.Id);

    public string Encode()
    {
        var idBytes = Encoding.UTF8.GetBytes(Id);
        var bytes = new byte[HeaderBytes + idBytes.Length];
        bytes[0] = Format;
        bytes[1] = (byte)Sort;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2), At.UtcTicks);
        idBytes.CopyTo(bytes, HeaderBytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads a cursor a client sent back; false for anything this code did not produce.</summary>
    public static bool TryDecode(string? text, [NotNullWhen(true)] out ListCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > Base64Url.GetEncodedLength(HeaderBytes + MaxIdBytes))
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length <= HeaderBytes || bytes[0] != Format || !Enum.IsDefined((ListSort)bytes[1]))
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(2));
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        string id;
        try
        {
            id = StrictUtf8.GetString(bytes, HeaderBytes, bytes.Length - HeaderBytes);
        }
        catch (ArgumentException)
        {
            return false;
        }

        cursor = new ListCursor((ListSort)bytes[1], new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
    }

    /// <summary>Like <see cref="TryDecode"/> but throws <see cref="ArgumentException"/> (the stores' contract).</summary>
    public static ListCursor Decode(string text, string parameterName) =>
        TryDecode(text, out var cursor) ? cursor : throw new ArgumentException("Not a valid list cursor.", parameterName);
}
