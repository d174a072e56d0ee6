// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.secumail.spam.TestScoring.names;
import static org.secumail.spam.TestScoring.score;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The ImageInfo evals over real GIF, PNG and JPEG files written by the JDK's ImageIO. */
class ImageInfoTest {
    private static byte[] image(String format, int width, int height) throws Exception {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }

    private static String part(String type, String name, String encoding, byte[] data) {
        String body = encoding.equals("base64") ? Base64.getMimeEncoder().encodeToString(data) : new String(data, java.nio.charset.StandardCharsets.ISO_8859_1);
        return "--B\nContent-Type: " + type + "; name=\"" + name + "\"\nContent-Transfer-Encoding: " + encoding
                + "\nContent-Disposition: attachment; filename=\"" + name + "\"\n\n" + body + "\n";
    }

    private static String message(String text, String... parts) {
        return "From: a@example.com\nTo: b@example.net\nSubject: pictures\nMIME-Version: 1.0\n"
                + "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n" + text + "\n"
                + String.join("", parts) + "--B--\n";
    }

    private static final String RULES = String.join("\n",
            "body GIF_1 eval:image_count('gif','1','1')",
            "body GIF_2P eval:image_count('gif','2')",
            "body PNG_1 eval:image_count('png',1,1)",
            "body JPEG_1 eval:image_count('jpeg',1,1)",
            "body ALL_3 eval:image_count('all',3,3)",
            "body BMP eval:image_count('bmp',0)",
            "body GIF_AREA eval:pixel_coverage('gif','180000','475000')",
            "body ALL_AREA eval:pixel_coverage('all',62500,300000)",
            "body SIZE_600x400 eval:image_size_exact('png','400','600')",
            "body SIZE_WRONG_WAY eval:image_size_exact('png','600','400')",
            "body JPEG_RANGE eval:image_size_range('jpeg',100,200,150,250)",
            "body GIF_RANGE_OPEN eval:image_size_range('gif',500,300)",
            "body NAMED eval:image_named('image001.gif')",
            "body RATIO_BODY eval:image_to_text_ratio('all','0.000','0.008')",
            "rawbody RATIO_RAW eval:image_to_text_ratio('all','0.000','0.015')",
            "");

    @Test
    void imagesAreCountedMeasuredAndNamedAsTheImageInfoPluginDoes() throws Exception {
        // gif 600x500 = 300,000 pixels; png 600 wide, 400 high; jpeg 200 wide, 120 high
        String msg = message("see the pictures",
                part("image/gif", "image001.gif", "base64", image("gif", 600, 500)),
                part("image/png", "chart.png", "base64", image("png", 600, 400)),
                part("image/jpg", "photo.jpg", "base64", image("jpeg", 200, 120)));
        assertThat(names(score(RULES, msg))).containsExactlyInAnyOrder("GIF_1", "PNG_1", "JPEG_1", "ALL_3", "GIF_AREA",
                "SIZE_600x400", "JPEG_RANGE", "GIF_RANGE_OPEN", "NAMED", "RATIO_BODY", "RATIO_RAW");
    }

    @Test
    void onlyBase64ImagesCountAndOnlyReadableOnesAreMeasured() throws Exception {
        byte[] gif = image("gif", 100, 100);
        String msg = message("a few words of text here",
                part("image/gif", "raw.gif", "8bit", gif),                        // not base64: not counted
                part("image/gif", "broken.gif", "base64", "not a gif at all".getBytes()),   // counted, not measured
                part("image/png", "small.png", "base64", image("png", 250, 250)));
        // one gif (the broken one), one png of 62,500 pixels; the broken gif adds no area, no name
        assertThat(names(score(RULES, msg))).containsExactlyInAnyOrder("GIF_1", "PNG_1", "ALL_AREA", "RATIO_BODY", "RATIO_RAW");
        assertThat(names(score(RULES, message("no images")))).isEmpty();
    }

    @Test
    void headersAreReadFromTheFirstBytes() {
        assertThat(ImageInfo.gif(new byte[] {'G', 'I', 'F', '8', '9', 'a', 0x58, 0x02, (byte) 0xf4, 0x01, 0, 0, 0})).containsExactly(500, 600);
        assertThat(ImageInfo.gif("GIF90a123456".getBytes())).isNull();
        assertThat(ImageInfo.png(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a})).isNull();
        // a JPEG whose first segment is not a frame: the markers are walked to SOF0
        byte[] jpeg = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 4, 0, 0,
                (byte) 0xff, (byte) 0xc0, 0, 11, 8, 0, 120, 0, (byte) 200, 3, 0, 0, 0};
        assertThat(ImageInfo.jpeg(jpeg)).containsExactly(120, 200);
        assertThat(ImageInfo.jpeg(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xda, 0, 4})).isNull();
    }
}
