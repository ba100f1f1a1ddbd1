namespace Nona.Plugins.Audio.Decoding;

/// <summary>
/// What a container decoder hands back: <paramref name="Samples"/> interleaved by channel (left, right, left, ...),
/// at <paramref name="SampleRate"/> Hz, <paramref name="Channels"/> per frame.
/// </summary>
internal readonly record struct DecodedAudio(float[] Samples, int SampleRate, int Channels);
