using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Nona.Abstractions;

namespace Nona.Plugins.Vision.Pipeline;

/// <summary>
/// How an image dataset turns pictures into backbone input: the torchvision recipe (resize the shorter side, center
/// crop; in training a random resized crop). Image datasets derive their options from this class, so these keys sit
/// beside the dataset's own in the recipe (<c>image_size</c>, <c>resize</c>, <c>augment</c>, ...).
/// Not sealed for that reason.
/// </summary>
public class ImageOptions
{
    /// <summary>Side of the square crop fed to the backbone, in pixels.</summary>
    [Description("side of the square crop fed to the backbone, in pixels")]
    [Range(16, 4096)]
    public int ImageSize { get; set; } = 224;

    /// <summary>The shorter side after resizing, before the center crop; 0 resizes straight to ImageSize × ImageSize.</summary>
    // 256 → 224 is the ImageNet evaluation recipe the torchvision weights were measured with.
    [Description("shorter side after resizing, before the center crop; 0: resize straight to image_size × image_size (keeps the whole frame)")]
    [Range(0, 8192)]
    public int Resize { get; set; } = 256;

    /// <summary>Training-only random resized crop (scale [0.6, 1], aspect [3/4, 4/3]), plus <see cref="Flip"/> and <see cref="Rotation"/>.</summary>
    [Description("training only: random resized crop (area 60-100%, aspect 3/4-4/3), plus flip and rotation when set")]
    public bool Augment { get; set; }

    /// <summary>With <see cref="Augment"/>: mirror half the training images.</summary>
    // Off by default: a mirrored image can mean another label (a steering angle changes sign).
    [Description("with augment: mirror half of the training images left-right (only where a mirror keeps the label)")]
    public bool Flip { get; set; }

    /// <summary>With <see cref="Augment"/>: rotate by an angle drawn uniformly from ±Rotation degrees.</summary>
    [Description("with augment: rotate training images by a uniform angle in ±rotation degrees (corners filled black)")]
    [Range(0.0, 45.0)]
    public double Rotation { get; set; }

    /// <summary>What to do with images that are missing, unreadable or larger than <see cref="MaxPixels"/>.</summary>
    [Description("fail or skip images that are missing, unreadable or larger than max_pixels (skipped ones are counted and reported)")]
    public BadRowPolicy OnBadImage { get; set; } = BadRowPolicy.Fail;

    /// <summary>Largest image accepted (width × height), checked from the header before decoding.</summary>
    // ImageSharp 2.1.13 is out of support and decoder flaws with crafted images are reported against it: an image
    // that claims a huge size is refused from its header, before any pixel buffer is allocated.
    [Description("largest image accepted, in pixels (width × height), checked from the file header before decoding")]
    [Range(typeof(long), "1", "1000000000")]
    public long MaxPixels { get; set; } = 50_000_000;

    /// <summary>
    /// Cross-field checks the binder's ranges cannot express. Throws <see cref="NonaException"/> naming
    /// <paramref name="where"/> (e.g. <c>recipe.yaml: datasets[0]</c>) and the fix.
    /// </summary>
    public void Validate(string where)
    {
        if (Resize != 0 && Resize < ImageSize)
        {
            throw new NonaException(
                $"{where}.resize ({Resize}) is smaller than image_size ({ImageSize}): the center crop would not fit; set resize to 0 or at least {ImageSize}");
        }

        if (!Augment && (Flip || Rotation > 0))
            throw new NonaException($"{where}: flip and rotation only act with augment: true; set augment: true or remove them");
    }

    /// <summary>A copy, so a source keeps the settings it was made with.</summary>
    internal ImageOptions Snapshot() => (ImageOptions)MemberwiseClone();

    /// <summary>The settings that change evaluation output (for fingerprints): augmentation never reaches cached features.</summary>
    internal string EvaluationKey() =>
        string.Create(CultureInfo.InvariantCulture, $"image_size={ImageSize};resize={Resize}");
}
