import Foundation
import Testing
@testable import Eventax

/// gzip test vectors produced with CPython's `gzip`/`zlib` (not with Eventax), base64-encoded.
/// Each decompresses to content that the tests recompute from a simple rule.
private enum Vectors {
    /// `gzip.compress(A, 9, mtime=0)`; A = "line <i>: the quick brown fox jumps over the lazy dog\n", i = 0..<40.
    /// First block: dynamic Huffman.
    static let level9Text = "H4sIAAAAAAACA53VWxbBUAxG4XejyBDkDy1m43JoOXpo1W30FjOwn7P2U76V5LZLNl3ZrUl2HdvtyTZ9eXS2L087jufLYOWe+t84r98v25XDJH8bB41AE6CZgWYOmgo0NWgWoFmSnSIIRIITCk4sOMHgRIMTDk48OAHhRISICKHbQESIiBARISJCRISICBERIiKCiAgiItC7ICKCiAgiIoiIICKCiIg/RXwAZFh7GD4IAAA="
    /// `gzip.compress(B, 0, mtime=0)` (stored block); B[i] = (37·i + 11) mod 256, i = 0..<1000.
    static let stored = "H4sIAAAAAAAEAwHoAxf8CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJktwlbrfBClOc5i94gcsUXabwOUKL1R5nsPoDTJXfKHG6xA1Wn+kye4TOF2Cp8zxFjtgharP9Bk+Y4it0vccQWaLsNX6H0RpjrPY/SJHbJG22wAlSm+Uud4DKE1yl7zhBitQdZq/5AkuU3idwucMMVZ7oMXqDzRZfqPI7RI3XIGmy/AVOl+Eqc7zGD1ih6zR9htAZYqv1PkeQ2iNstf8IUZrkLXa/yRJbpO43QInTHGWu+AFKk90mb7jCC1Sd5zB5gswVXqfxOkOM1h9osfsETZbgKXK7xQ5XoOozfIXPGGGq9D1Gj9kia7T+B1CZ4yx1vsgRWqPtNn+I0htkrfcASZLcJW63wQpTnOYveIHLFF2m8DlCi9UeZ7D6A0yV3yhxusQNVp/pMnuEzhdgqfM8RY7YIWqz/QZPmOIrdL3HEFmi7DV+h9EaY6z2P0iR2yRttsAJUpvlLneAyhNcpe84QYrUHWav+QJLlN4ncLnDDFWe6DF6g80WX6jyO0SN1yBpsvwFTpfhKnO8xg9Yoes0fYbQGWKr9T5HkNojbLX/CFGa5C12v8kSW6TuN0CJ0xxlrvgBSpPdJm+4wgtUnecweYLMFV6n8TpDjNYfaLH7BE2W4Clyu8UOV6DqM3yFzxhhqvQ9Ro/ZImu0/gdQmeMsdb7IEVqj7TZ/iNIbZK33AEmS3CVut8EKU5zmL3iByxRdpvA5QovVHmew+gNMld8ocbrEDVaf6TJ7hM4XYKnzPEWO2CFqs/0GT5jiK3S9xxBZouw1fofRGmOs9j9IkdskbbbACVKb5S53gMoTXKXvOEGK1B1mr/kCS5TeJ3C5wwxVnugxeoPNFl+o8jtEjdcgabL8BU6X4SpzvMYPWKHrNH2G0Bliq/U+R5DaI2y1/whRmuQtdr/JEluk7jdAidMcZa74AUqT3SZvuMILVJ3nMHmCzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJktwlbrfBClOc5i94gcsUXabwOUKL1R5nsPoDTJXfKHG6xA1Wn+kye4TOF2Cp8zxFjtgharP9Bk+Y4it0vccQWaLsNX6H0RpjrPY/SJHbJG22wAlSm+Uud4DKE1yl7zhBitQdZq/5AkuU3idwucMMVZ7oMXqDzRZfqPI7RI3XIGmy/AVOl+Eqc7zGD1ih6zR9htAZYqv1PkeQ2iNstf8IUZrkLXa/yRJbh1akMPoAwAA"
    /// `GzipFile(filename="squares.txt", compresslevel=6, mtime=0)` (FNAME set);
    /// content "<i> squared is <i*i>\n", i = 0..<60.
    static let fname = "H4sICAAAAAAA/3NxdWFyZXMudHh0AF3TO27EMAxF0Z6r8BLEnywtJ0BSpEwG2X+eO90paQjkEfU8rtfP38fv1+f1/bqG+Vm6xVmW5VluKxye1mcdbfOsc9qNbtvWWc+yfdbLzQcGDPHoC50B0avMk6xtTuie5qTK6pN4nQE3lvoAnKFZm1fUxmAumQPmKp3hWldZwNyxLWDue1rAPGUOmOdzBub76QPz/czimuVJmLfMCfPWvZJ7Hrp8ctFDG0pu2rXGbD6Z3Dn5SQ+SgHvq1XK9vawmgu6t9y9mZApfDMlUkor6W2Er6pfyWG85UWSLQRnSF5PiCn4xKjHUC/rIoYnQRw23hj5a+oY+5nMK+rjVq6GPpYkNfeznh4Q+H33zp9SmraFXrNWLSU/tqxn10lb/ARi6X1w8BAAA"
    /// `gzip.compress(D, 9, mtime=0)`: an IDX file (00 00 08 03, 20, 28, 28) of 20 fake 28×28 images,
    /// pixel (k, r, c) = (r·c + 31·k) mod 256 inside the disc (r−14)² + (c−14)² < (5 + k mod 8)², else 0.
    /// Dynamic Huffman blocks with long back-references.
    static let idxDynamic = "H4sIAAAAAAACA+2bdziWf/vH7b33niErOyMjCikZkZFUFIWo+FZGS6gIRbJKGSkiI3tHyEhk7+yVkb351e12u9Zx/J5/nuf4fp/H5zjuP67jdXyu6zrPz3l97ut8n+eFhUWEi4WFRff7x4b+7Y7/Zzjf9w2OREYunk/CY1PyEGd5Pn0Zl/7paysCu//kZXzm57quMQTmGx6XWVrfM7mGwIJj0z/X9/7apEBgkSmf6np+YVFxId1M3teuyU0qbmQjWsfWKLh2l3l3AAL0cVDE2+RsJOThFxKVkFFU2YAwyy80JimntLZ98BeMPQ6JSc770vDj5yIujAVFJeVVNPVNrREzwFhEQs6Xpv7pTXJWQRh7m1Ha0DeNRckhqghjyUW1P6Y2KTnFVHRhLLuy/ecaOYfYQX1LuBENg4vErKIq+ueRjP+FyyCoqGu5GyD/hSP41dukzMJyJBQa9T4tv+xbSw8Cik7M/FTV2D0yA9uwg6MSs0pqWvsnl/EoWSDs1fvMkm/tQzMbJAw8+6Bhnfappn14DpuCda+MGoQl5Ve1Ds3hUHGIKBwxgrDMssb+GWwqzn1K2ma2EFb4rXtyg4Jjn7LOGYc7EFbeMrJMwiqipHP2qnsg1IieGTyGvQraZ67eD4Ibv0bJI3PEzME9CMlpLPvUjGzvBO4G1t94vE/NLiqvaUQgsR8yCspqmroGJ+ZhKCnrU2V9x8DEwiYRNYR9yCqubvoxOrtOSM3KB7lWxqfq5t7xRRxyJt598odBLLWgsql3Yhmfml1QRvW4KXi3Lqv/Mb5MQMslqqBpaOEAYkU1HaOL+LTcYkrHTC9e9wCHddPALA41l5jy8dN2rt6hIFbTNbFOzi6qdNzc/rZfxAcQaxxcIGQSVDh22v7Ok8jUErARE5vUvDKapna3n0SllUFsnydi3adqeNHVLzKtvA3qNGo++eMW170jUsvaELx92NTBI/RDyW5A/vtHdmFpVV1zZ98IwltySWVdS/fg+OwKNhTll35t7BwYn1vDI6ODJE15pTXNP0amV3DJ6DkExOVB1yr52twzNrdBRMPGL65wWMcEuCNXNv4Ym8ciZeAWkVU7bnIeGNildZ0jc1hkTHvEFY8Ynrvs7AlgVS0D0xukTHySKtqm1k73/MIBrK57fIWIYY/kQZ3Tts4PgqJTAKx5cA6XhltcRcf8sptPWFwW8I+uc3yNjE1EUfv05Vu+LxPzv3YCWN8sHj2/7BFTWzffiKSiut4ZABtZIeMQVzO0dvZ5mfSpfmCBCGg8Np2AwvFzTg/CEovqB5dIwU5jEz9scvleUFx+3cASGdTZ8jrnnf2is772LpDCF8nEwTM8pbxzhmg3lP/lUVPf0tk79PPXPBx9b+nqH52aX8UmJIeQrw3tvSNTC+t4pDTMXALgl5SGjv6fs6u4pLSsvMJSBw6BTtjePz6/QUjFzCMsraSha2IBuI2W3p/zm8S07AISB9R1Tc/b33THsPqukdkNYjpOIZmDx4wsLt/8nUtgWEv/1CohLaew7CFds4tOd/+kEjuhO7qAS8UuJHtY/4yds1fg68ScncDunVonZRaQOaR/1t7NOyQ2rbi2C8OG5vFoeSQO6p6xv/U4PD77y+/HA8N+rpKyCh84Zmbn9vhFQl51x+/jnQwAm4ZXWt3oorN3eEJ+TfcUFjXPzh8AIbOwkq6Fk1dIfF7Nj2lcegHAbkDOJaVhevluYGx2dfc0HqOQEtBpAgd0z998/DrtS8cULqOwCsjX+w6Z2N8PSSxu/olFL6RiCFkli5t+MTm1g6vUAkrwxXUPTS7vmiPlkf8fjPm+obHJmYWVDRw4GR6fXljFwiehpGPmAKOBsV8LazhEFHQsXPwiknIg9HNmGYuQgp6NV0hCTkXjOGAh+sZmVnBIaFh4hCQV1I6eOGVp64hhw7+WcUjp2PnF5FSPGpy2crh5zxszbXwBi4SOY6+koobeqQsOKJnp/XZ4Tq8R0rDvlVLWMjxre/3eY1QugWZjCzgULPySykeNLB1cHwRupRJoNrlKRM8jpqhldP7qbZ+QN6mF1a2D2zv2DBYFm5CchqHl1TsYkYkEzRbw6XglVfXOOtz2ffE+p6IF9Xig2QoJi5DC0VO2rj7h73Or2sdQx2i2QckloWZw4fqDkLicqo7xdQpOcdUTaIZDxy939LTDvcA3mRXt4xtUPNIaJpi8hFlE5YSV8+NXqaUtY+tUvPu1Tl/B+IxDUuOUw/3g94X1QysUPPuPnnF8sONsueOWN32jMqt75kk4pbXOOD0CLpKh7b3gxJLWSTwWcY3Tjo/Ai+voHZn1bXCNVkjV5MoD+KtwSfsMCY/CCdt/cMwvrqxj4RIQk1HCyPI6Nj4xOTU9Mzs3H0RIWcMmIKWiZ+HcI7hPSk4JlHCu4xJT0rNyC4hKyauoH9M3NgfMwiWhZuLkF5U+oKalZ3zG6rKTK+Za2MTUzNyCEvKqWvqmFjbXXNy9A8K2z0hAycQtJKWormN8zsbRzdMv+HVcKvrmsUnpOQWllDT1zayuuIBlphV8KlZ+CUXNE+aXnO54B71G5xJbpySm5xaVV9c3t7nu7hcWu51KoHddFgFpVR2zS9cxkusiHvXWQ49LzSl6QMvYysn9CUBkkkUxAvo9Umr6567c8XuZkFvZOox+PFCMmFlQXsvUxsU7LD6nsm10GX2MYmTs+1T0LBw9gmIzv7SOrpCyiSrrnrt2H8UouaXUjW3c/F6nfm4aXiZlF1M1sLrp/WLrPvnkjp255hnyvqCuf4GYTUzt5CU3/yi0zwSV9K1c/KIyKrum8ZlFVU/a3A6Izdl2tprxZffghE9NY5t0gsoGl24HvsvfWSRzJ+/XGdW9i+S88rpWbgHvCoCL6xoQV9Q8gccqqXXupn9sPjgowlIre5epBVVNr3lH5cA1snF8Dlk9m/svdl+t/gPjqqunfygyunbrYWBEXBrirFuPgiITs0vrEJjrQ7TkisA8AyO3RCYE5h+RmFfVNrJIgKSRxWVXtI4sETEh3UxaadPQIhEzshF1fXMETLvLvDsAAerh+/zVuxQk5Ob1JCzmj8yEMMvr6Yu3qflffucSMObx5MW7tKLqP6kEjPmGYSRXGHsek7otMsHYqw/51e2jS4QMfNIw9i7rS8vwIiGjgKwmjKUU1/fP4TMIyGmdghtR3TWFTcsnq2WGZPzIKgW3tOap3QD5Lxz+WwUIJPQ0LDohvaC8FqGW/DT8TRJaZoKdMOxNcm5ZXQcql4Cw4Oik3PL67q1UAhrWCQDJFcLeppfsiEwQllTwtWNsmYiRX+awAbREllnePLRAwMC/X8PI+gaEFdb2TOPQ7pHRML7k4gM1AlWcljxsdMnVF278HCGL6EEDaxdfJKfR8CvoWN7w2Q2sv/GIjk/JKiz7ikAidgoQMPQ2Obu4qqFzcHIRixjCYpNzPmNkJsi1PmR//tY2MIXOJUAsPqO4pm1wejuVAO/WBSDJFcSyyhqAIhM4rGs6f64QMwnsVzc87+j+FMTKmgbn8en5ZNRPWl33eh4L1t1QrRqShwytbjwMjc8FG7FdnL7+MCyhAGL7BBYtv7z2WUev0ITC71CnEbNLqJvauz+PL/iO4G1FfWu3p7G5uwH57x8pmfklFd8a23sQ3pJziytqm7tQShNkpAMLEJBZqMr06MwqHjkD514J0LVyS7+1AmUm4I5c/LWlb2IJl4J5j5iCup4ZMLDzKxp7xpfwqNj2Sh/UNrlw9RaAldRCJFcAq2geAItMAPata3yVhHmvrMbJC073AyKTgX90jQNzeHR7pA8bXvjLM+hNeimwIIlp1XDyfP42q6IN2DMFKE6/za7qnARLHmSckuomdncC3mRVdf2CdJ3Q7VXUu+DsG5le0fkLD+psCQ2zq17hyaVtk/BeFSw961uBcYWNY7uR/K+Psqraxrbu/pEJOKqsberoHZ6YXd7Eh5DS6vq2nuHJebTSBH5JBhcgQCfcrkyz8IrIKGvqAYrJZbVt/RNgmQnDqpp6fi5gkzHyiMod0jG9cOV3LoFhtR3Ds5ukjLxiBzQNztrd/JNK7IRuL0xyxbC24XmoyIRh3RNrpCyCcppGVn95BEalFP1+PDCsfxaXllfqkMF5J49nMWmfG34f72QAO60aMellzcNLxDutJaDidMvoKjknYDfAZxJW1r9w0yci5XPz6J/GDaDTOKU0za54hCQUNQyvUvLKgnzNf0DPyvXJm5xv/UvkPLLakFUyveL1IvVL1ywxpwx8cV2evitsGsdlkfgfjPn2bnQFAk5+DIxOzi6t4xCSUUMa3jr7RibnVrAIyGiYOPYIiYNQ/9j00iYBOR0rj6C4rLI6YCHa4QUIDANUptWOGZpbX3HG1NzaByaXcMgYuISklY+cOG2Nkpmit8NzdG6ThJ5LeL+qtrGlvbMHKpdAs77JFQIaDqH9ajqnrB3v+GylEmg2NIsguaLZ2BIBHY+4svapSzcwItN2dWZynYxVSP6IsfV1z2fRqZ9qUY8Hms3g0PBIqp2wdLwfGP2xpL4PdYxmoFaNhoF5Asa98kfRDFqcZhFR1sPkJdR7ZI+aX/UIjs+v7UM3bmB8xiCkfMLa1T86s6p7hmCrjWnH2eLqp654hiV9bp3AYRRRNbK7B1wkbUtn/ze5dUNrNHuVDW3vgRfXFlOO07t4B/4qnFs/hsMiefSf3Fw4NTO/tLqBjUcII9PzgAoEJIlb3sAlIqdhZOPmFxaXASWcqLI0LTMnn7CErNIhLd2TgFmrOMRUjBx8IlIKqkd0jcwv2GFqbtNIBYjtMwIr07ZOt7z8QyLj0Te/jEvOyC0so6JlYH7xGlhmmlknouUQlFY5evKc3Q133xB0LrF1SmxyZj4JJa2TFvYuXgER26kEii3h03CKyGsYnLPHSK6YLtdVYkY+KVVdczuXhwCRSQzFNsjZhBW0TC7e8AqK+Vhc9wP9eKAYNjW3hKq+xTX3gKjU4u+90+hjFIO0auDS8e3XNLHZqszAi9PHzK+4P9synl38kJHNrSfRGRUdk5jGDbTPuGW0zK95hX0obhpdx7QxbTtbQfeCi39Mdk3fIhn3/mPnrvu8Tt9ZpJN27iEfPrdN4bNKaKJqEcDFBZXjItLBQREQX9w2Tcwtr2/jHpYK18gG1hnEjli4Ptt9tfoPjEuOtx48RUY2f931eR6ZgDjrr3u+oW9S8isQmONdtOSKwG75hG6JTAjswfM3aSXfe6Y2kDSy7Q8gkG4G3aqBbASqOL27zLsDEKBblWkk5HT7YcCLPzITwqzbj569ik8v+p1LwJjbw2evE7I+/0klYMwzACO5wpjfi/htkQnGMJ8DsYvA2OudDyBgDN6qARiY4jSS8T2zBH8aN3YD5L9wPNgqQCChRwHhMYkZhV8QasmPAl++RctMsBMGvHz3saCiAZVLQJh/+NuPhVXNW6kENKxjAJIrhL1KzN0RmSAM8DnQMWiJLAn4AQSEwVs1AANVnBZS1Dnn6Ak3fnyTZqtxA8lpJFttTLuB9Tce4VFxyZkFpQjk+U4BAoZevUvJKalu7BqaWoI2ike8S83DyEyQa8Wm5JV/7xxG5xIgFvUhp+x71+h2KgHerTNAkiuIJRdUA0UmcFgDPwdyAffCFYA/gADrbqhWDaED2uYOd59GfQQbsV2ctr8bEJMBsX1wiZRD4rCx7e2nMZmVUKdh02PamBC8jWrki/j4zwug/wM8n/MzUD0AAA=="
    /// Hand-built header with FEXTRA ("AB", 4 bytes "wxyz"), FNAME "values.csv", FCOMMENT "a comment"
    /// and FHCRC (zlib.crc32 of the header), then raw zlib deflate (level 9) and the CRC-32/ISIZE trailer;
    /// content "<v>," with v = 7·i mod 1000 zero-padded to 3 digits, i = 0..<120.
    static let allFlags = "H4sIHgAAAAACAwgAQUIEAHd4eXp2YWx1ZXMuY3N2AGEgY29tbWVudADsxg3RpwEAMAzEwIUeuNvZf7EIiB2TmclsZV6ycDpZtqyCnqxHNilb3OIO93Dv5NZyD3ryGHmmvIxW3iUfJ9ziDne4NwpLhRutIkqRTqeoVnTQUwxucYc73CulOZ3SWxlBT5mjrFS20SoHt7jFHe7h3lPZqDxVYbSqLFU5napbNUG4xR3u4d6qrdTudOpodQY9dY26Uz1GuMUd7nCvNRb0ND6aSE0araZK006nGdziFne4l1p+LD+WH8uP5cfyY/mx/Fh+LD+WH8uP5cfyY/lx/Dh+HD+OH8ePDwklDnngAQAA"
    /// zlib (wbits 31) with Z_SYNC_FLUSH after each of 4 chunks: several dynamic blocks separated by
    /// empty stored blocks, back-references crossing block boundaries; content
    /// "block <j> row <i> value <(i·j) mod 17>;" for j = 0..<4, i = 0..<50.
    static let syncFlush = "H4sIAAAAAAACA3TTOQ7CUAxAwavkCPHCJk5DEBWRIiEB14cOivmNi9eNbC/rdr1P8/TY3t/5uqzP2zSfl78arMlarM26Y92zHliPrCcrBjjrwrywLwwMC8PEsDGMDCvTyhzs0Mq0Mq1MK9PKtDKtTCvLyrKyBqdqZVlZVpaVZWVZWVa2lW1lW9mDj7SyrWwr28q2sn/KDwAAAP//bNRBCsNAEAPBNymJY+//PxZDmIaW9zqnEQ31P2drTmROdJ2JL11n4VvXGfjRdfYdus68r66z7tR1xl26zrblFTMutY553oc68ULYiTfiTrwSeOKdyBMvfdAT01Nfrm0G6PGP0OMXoccfQo8fhB63gB7HgB7XgJ6qgT1VA3yqBvpUDfipGvhTNQCoajwEigXylwhUT57bGghUL65tDQTygwjkGgjkGgjkGghUNSCoamBQ1QChqoFCVQOG7ho/AAAA//9s1DEOwzAQA8EvRZQcCfD//5UiAI2l2V5z0K09/7mqQ4JDwlRxRMGhL6YrjiI4NLju9UZBosGFJ78fwaLBl+TvKVLEa1iizXG2VDgUO69so3Aotu4e4dQKdohX0ad2sEMMYYeihCGKFFq9hSmKGLaIl9GuNUwR72KJWMMQscYcvcbjEJc+DnHryyHRIR7GDsVPsWuNeWoNOxQ1DFHUWKPXMEVRwxbxMraIh1lXrWGJWMMQscY6vcbj0Lx/AAAA//9sljkOxDAMA78Ui85h5P//2mIBC8OwJVKImnigf67oIcFD/LZst4KHFtLpGxRFdCL2v1bw0ET62DpEC1mRI9fuk4hlht98oog49nDbyjzEPu0hNvp4SPSQjb4ihjoih+0hA1GVSZQiipqRxdYQYbSF2KjuTKOeTKNWpLFFxNE1Io32ECu1h9jp4yHRQxxdV34Ud6SxPWQ0tDKNFhHjEWnMijTaQmzUJxErzTPTmFeksUVkoz+RRntovD8AAAD//wMAnMKhgQwSAAA="
    /// `gzip.compress(G, 9, mtime=0)`, a fixed-Huffman block; G = "abcabcabcabc hello hello hello! " × 3 + bytes 0..<10.
    static let fixed = "H4sIAAAAAAACA0tMSk6EIYWM1JycfGRSUSGRQnkGRiZmFlY2dg5OAMnEmd9qAAAA"

    static func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64)!) }
}

/// The expected contents, recomputed independently of the vectors.
private enum Expected {
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
    static var level9Text: [UInt8] { ascii((0..<40).map { "line \($0): the quick brown fox jumps over the lazy dog\n" }.joined()) }
    static var stored: [UInt8] { (0..<1000).map { UInt8((37 * $0 + 11) % 256) } }
    static var fname: [UInt8] { ascii((0..<60).map { "\($0) squared is \($0 * $0)\n" }.joined()) }
    static var fakeImages: [UInt8] {
        var out: [UInt8] = []
        for k in 0..<20 {
            for r in 0..<28 {
                for c in 0..<28 {
                    let radius = 5 + k % 8
                    let inside = (r - 14) * (r - 14) + (c - 14) * (c - 14) < radius * radius
                    out.append(inside ? UInt8((r * c + k * 31) % 256) : 0)
                }
            }
        }
        return out
    }
    static var idxDynamic: [UInt8] { [0, 0, 8, 3, 0, 0, 0, 20, 0, 0, 0, 28, 0, 0, 0, 28] + fakeImages }
    static var allFlags: [UInt8] {
        ascii((0..<120).map { i -> String in
            let v = String(7 * i % 1000)
            return String(repeating: "0", count: 3 - v.count) + v + ","
        }.joined())
    }
    static var syncFlush: [UInt8] {
        ascii((0..<4).flatMap { j in (0..<50).map { i in "block \(j) row \(i) value \((i * j) % 17);" } }.joined())
    }
    static var fixed: [UInt8] { ascii(String(repeating: "abcabcabcabc hello hello hello! ", count: 3)) + (0..<10).map { UInt8($0) } }
}

/// A fresh temporary directory, removed by `cleanup`.
private struct TempDir {
    let url: URL
    init() throws {
        url = temporaryFolder("eventax-mnist")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var path: String { url.path }
    func file(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: url.appendingPathComponent(name)) }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// An IDX file: magic 00 00 08 ndims, big-endian dims, data.
private func idx(dims: [Int], data: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
    var out: [UInt8] = [0, 0, type, UInt8(dims.count)]
    for d in dims { out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return out + data
}

/// The (path, message) of an `EventaxError.io` thrown by `body`, or nil (recording an issue).
private func ioError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> (path: String, message: String)? {
    do {
        try body()
        Issue.record("expected an error, none was thrown", sourceLocation: sourceLocation)
    } catch let EventaxError.io(path, message) {
        return (path, message)
    } catch {
        Issue.record("expected EventaxError.io, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The block type (BTYPE) of the first DEFLATE block of a gzip member whose header is `headerSize` bytes.
private func firstBlockType(_ gz: [UInt8], headerSize: Int = 10) -> Int { Int(gz[headerSize] >> 1) & 3 }

@Suite("MNISTData") struct MNISTDataTests {
    // MARK: IDX

    @Test("Raw IDX files written here are read back with their dims and bytes")
    func rawIDXRoundTrip() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let data3 = (0..<24).map { UInt8($0 * 5 % 256) }
        try dir.write("a.idx3", idx(dims: [2, 3, 4], data: data3))
        try dir.write("b.idx1", idx(dims: [5], data: [9, 0, 4, 1, 7]))
        try dir.write("empty.idx1", idx(dims: [0], data: []))
        #expect(try IDX.read(path: dir.file("a.idx3")) == IDXArray(dims: [2, 3, 4], bytes: data3))
        #expect(try IDX.read(path: dir.file("b.idx1")) == IDXArray(dims: [5], bytes: [9, 0, 4, 1, 7]))
        #expect(try IDX.read(path: dir.file("empty.idx1")) == IDXArray(dims: [0], bytes: []))
    }

    @Test("A gzip IDX file is detected by its magic bytes, not its name")
    func gzipIDXByMagic() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("images.bin", Vectors.bytes(Vectors.idxDynamic))
        let a = try IDX.read(path: dir.file("images.bin"))
        #expect(a.dims == [20, 28, 28])
        #expect(a.bytes == Expected.fakeImages)
    }

    @Test("IDX errors name the path and the field: bad magic, wrong size, unsupported type, missing file")
    func idxErrors() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("magic", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 7])
        try dir.write("size", idx(dims: [2, 3, 4], data: [UInt8](repeating: 1, count: 23)))
        try dir.write("float", idx(dims: [1], data: [0, 0, 0, 0], type: 0x0D))
        try dir.write("short", [0, 0, 8, 3, 0, 0])
        if let e = ioError({ _ = try IDX.read(path: dir.file("magic")) }) {
            #expect(e.path == dir.file("magic"))
            #expect(e.message.contains("not an IDX file") && e.message.contains("01 00"))
        }
        if let e = ioError({ _ = try IDX.read(path: dir.file("size")) }) {
            #expect(e.path == dir.file("size"))
            #expect(e.message.contains("2×3×4") && e.message.contains("24") && e.message.contains("23"))
        }
        if let e = ioError({ _ = try IDX.read(path: dir.file("float")) }) {
            #expect(e.message.contains("0x0d") && e.message.contains("float32") && e.message.contains("0x08"))
        }
        if let e = ioError({ _ = try IDX.read(path: dir.file("short")) }) {
            #expect(e.path == dir.file("short") && e.message.contains("truncated"))
        }
        if let e = ioError({ _ = try IDX.read(path: dir.file("nope")) }) {
            #expect(e.path == dir.file("nope") && e.message.contains("no such file"))
        }
    }

    // MARK: gzip / DEFLATE

    @Test("Python-made gzip vectors decompress byte for byte (fixed, dynamic, stored, FNAME, all flags, sync flush)")
    func gzipVectors() throws {
        let cases: [(String, String, [UInt8], Int)] = [
            ("fixed", Vectors.fixed, Expected.fixed, 1),
            ("level 9", Vectors.level9Text, Expected.level9Text, 2),
            ("stored", Vectors.stored, Expected.stored, 0),
            ("FNAME", Vectors.fname, Expected.fname, 2),
            ("IDX dynamic", Vectors.idxDynamic, Expected.idxDynamic, 2),
            ("all flags", Vectors.allFlags, Expected.allFlags, 2),
            ("sync flush", Vectors.syncFlush, Expected.syncFlush, 2),
        ]
        for (name, b64, expected, blockType) in cases {
            let gz = Vectors.bytes(b64)
            #expect(Gzip.isGzip(gz), "\(name)")
            let header = name == "FNAME" ? 22 : name == "all flags" ? 43 : 10
            #expect(firstBlockType(gz, headerSize: header) == blockType, "\(name): vector does not start with BTYPE \(blockType)")
            let out = try Gzip.decompress(gz, path: name)
            #expect(out.count == expected.count, "\(name)")
            #expect(out == expected, "\(name): decompressed bytes differ")
        }
        #expect(Vectors.bytes(Vectors.fname)[3] == 0x08) // FNAME flag only
        #expect(Vectors.bytes(Vectors.allFlags)[3] == 0x1E) // FEXTRA | FNAME | FCOMMENT | FHCRC
    }

    @Test("Every truncation of a gzip file throws a clear error naming the path")
    func gzipTruncated() throws {
        let gz = Vectors.bytes(Vectors.idxDynamic)
        var cuts = Array(stride(from: 0, to: gz.count - 8, by: 23))
        cuts += Array((gz.count - 12)..<gz.count)
        for cut in cuts {
            if let e = ioError({ _ = try Gzip.decompress(Array(gz[..<cut]), path: "cut.gz") }) {
                #expect(e.path == "cut.gz")
                #expect(e.message.hasPrefix("corrupt gzip data:"), "cut at \(cut): \(e.message)")
            }
        }
        // A cut inside the deflate data is reported as truncation or as a trailer mismatch, never a crash.
        if let e = ioError({ _ = try Gzip.decompress(Array(gz[..<2000]), path: "cut.gz") }) {
            #expect(e.message.contains("truncated"), "\(e.message)")
        }
    }

    @Test("Corrupt gzip: bad CRC, bad ISIZE, bad magic, bad method, header CRC, block type 3, trailing member")
    func gzipCorrupt() throws {
        let good = Vectors.bytes(Vectors.level9Text)
        var badCRC = good
        badCRC[good.count - 8] ^= 0x01
        if let e = ioError({ _ = try Gzip.decompress(badCRC, path: "crc.gz") }) {
            #expect(e.path == "crc.gz" && e.message.contains("CRC-32 mismatch"), "\(e.message)")
        }
        var badSize = good
        badSize[good.count - 4] &+= 1
        if let e = ioError({ _ = try Gzip.decompress(badSize, path: "isize.gz") }) {
            #expect(e.message.contains("ISIZE mismatch") && e.message.contains("2110"), "\(e.message)")
        }
        var badMagic = good
        badMagic[1] = 0x8C
        if let e = ioError({ _ = try Gzip.decompress(badMagic, path: "magic.gz") }) {
            #expect(e.message.contains("magic") && e.message.contains("1f 8c"), "\(e.message)")
        }
        var badMethod = good
        badMethod[2] = 7
        if let e = ioError({ _ = try Gzip.decompress(badMethod, path: "m.gz") }) {
            #expect(e.message.contains("compression method 7"), "\(e.message)")
        }
        var badHeader = Vectors.bytes(Vectors.allFlags)
        badHeader[36] ^= 0x20 // a letter of the comment "a comment"; FHCRC no longer matches
        if let e = ioError({ _ = try Gzip.decompress(badHeader, path: "h.gz") }) {
            #expect(e.message.contains("header CRC"), "\(e.message)")
        }
        // BFINAL = 1, BTYPE = 3 in the first byte after a 10-byte header.
        let type3: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 0, 0, 0, 0]
        if let e = ioError({ _ = try Gzip.decompress(type3, path: "t3.gz") }) {
            #expect(e.message.contains("invalid block type 3 at byte 10"), "\(e.message)")
        }
        if let e = ioError({ _ = try Gzip.decompress(good + good, path: "two.gz") }) {
            #expect(e.message.contains("second gzip member"), "\(e.message)")
        }
        #expect(try Gzip.decompress(good + [0, 0, 0], path: "pad.gz") == Expected.level9Text) // zero padding is ignored
    }

    @Test("Bit flips in the compressed data throw or give the original bytes, never a trap or wrong data")
    func gzipBitFlips() throws {
        // Some flips are harmless to any decoder (CPython's zlib accepts them too): padding bits before a
        // stored block or after the last block, or a changed code that the data never uses. Those must
        // decompress to the original bytes; every other flip must throw (CRC-32 or a format error).
        let cases = [(Vectors.idxDynamic, Expected.idxDynamic), (Vectors.syncFlush, Expected.syncFlush),
                     (Vectors.fixed, Expected.fixed), (Vectors.stored, Expected.stored)]
        var thrown = 0, harmless = 0
        for (b64, expected) in cases {
            let gz = Vectors.bytes(b64)
            var rng = SplitMix64(seed: 7)
            for _ in 0..<150 {
                var bad = gz
                let i = 10 + Int(rng.next() % UInt64(gz.count - 18))
                bad[i] ^= UInt8(1 << (rng.next() % 8))
                do {
                    let out = try Gzip.decompress(bad, path: "flip.gz")
                    #expect(out == expected, "flip at byte \(i) returned wrong data without an error")
                    harmless += 1
                } catch let EventaxError.io(path, message) {
                    #expect(path == "flip.gz" && message.hasPrefix("corrupt gzip data:"))
                    thrown += 1
                }
            }
        }
        #expect(thrown > 500) // nearly all flips are detected
        #expect(thrown + harmless == 600)
    }

    // MARK: MNIST files

    @Test("load finds .gz and raw files and checks shapes, counts and labels")
    func loadSmall() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let labels = (0..<20).map { UInt8($0 % 10) }
        try dir.write("train-images-idx3-ubyte.gz", Vectors.bytes(Vectors.idxDynamic))
        try dir.write("train-labels-idx1-ubyte", idx(dims: [20], data: labels))
        let ds = try MNISTDataset.load(directory: dir.path, split: .train)
        #expect(ds.count == 20)
        #expect(ds.images == Expected.fakeImages)
        #expect(ds.labels == labels)
        #expect(Array(ds.image(3)) == Array(Expected.fakeImages[3 * 784..<4 * 784]))

        // Missing test files: the error names both accepted file names and the directory.
        if let e = ioError({ _ = try MNISTDataset.load(directory: dir.path, split: .test) }) {
            #expect(e.path == dir.path)
            #expect(e.message.contains("'t10k-images-idx3-ubyte'") && e.message.contains("'t10k-images-idx3-ubyte.gz'") && e.message.contains(dir.path))
        }
        // Images present, labels missing.
        try dir.write("t10k-images-idx3-ubyte", idx(dims: [1, 28, 28], data: [UInt8](repeating: 0, count: 784)))
        if let e = ioError({ _ = try MNISTDataset.load(directory: dir.path, split: .test) }) {
            #expect(e.message.contains("'t10k-labels-idx1-ubyte'") && e.message.contains("'t10k-labels-idx1-ubyte.gz'"))
        }
        // Count mismatch.
        try dir.write("t10k-labels-idx1-ubyte", idx(dims: [2], data: [1, 2]))
        if let e = ioError({ _ = try MNISTDataset.load(directory: dir.path, split: .test) }) {
            #expect(e.path == dir.file("t10k-labels-idx1-ubyte") && e.message.contains("2 labels") && e.message.contains("1 images"), "\(e.message)")
        }
        // Label out of range.
        try dir.write("t10k-labels-idx1-ubyte", idx(dims: [1], data: [10]))
        if let e = ioError({ _ = try MNISTDataset.load(directory: dir.path, split: .test) }) {
            #expect(e.message.contains("label 0 is 10"), "\(e.message)")
        }
        // Wrong image dims.
        try dir.write("t10k-labels-idx1-ubyte", idx(dims: [1], data: [3]))
        try dir.write("t10k-images-idx3-ubyte", idx(dims: [1, 27, 29], data: [UInt8](repeating: 0, count: 27 * 29)))
        if let e = ioError({ _ = try MNISTDataset.load(directory: dir.path, split: .test) }) {
            #expect(e.path == dir.file("t10k-images-idx3-ubyte") && e.message.contains("N×28×28") && e.message.contains("1×27×29"), "\(e.message)")
        }
        try dir.write("t10k-images-idx3-ubyte", idx(dims: [1, 28, 28], data: [UInt8](repeating: 0, count: 784)))
        #expect(try MNISTDataset.load(directory: dir.path, split: .test).labels == [3])
    }

    @Test("The held-out split is seeded, deterministic, disjoint and complete")
    func split() throws {
        let n = 1000
        let ds = try MNISTDataset(images: [UInt8](repeating: 0, count: n * 784), labels: (0..<n).map { UInt8($0 % 10) })
        let a = MNISTDataset.split(train: ds, validation: 100, seed: 42)
        let b = MNISTDataset.split(train: ds, validation: 100, seed: 42)
        let c = MNISTDataset.split(train: ds, validation: 100, seed: 43)
        #expect(a.train == b.train && a.validation == b.validation)
        #expect(a.validation != c.validation)
        #expect(a.train.count == 900 && a.validation.count == 100)
        #expect(Set(a.train).isDisjoint(with: a.validation))
        #expect((a.train + a.validation).sorted() == Array(0..<n))
        #expect(a.validation == a.validation.sorted())
        // Exactly the first 100 entries of SplitMix64(42).permutation(1000).
        var rng = SplitMix64(seed: 42)
        #expect(a.validation == Array(rng.permutation(n)[..<100]).sorted())
        #expect(MNISTDataset.split(train: ds, validation: 0, seed: 1).train == Array(0..<n))
    }

    // MARK: Latency encoding

    @Test("Latency encoding: zero pixels are silent, brighter is earlier, exact times from t = tMax·(1 − p/255)")
    func latency() {
        let enc = LatencyEncoding()
        #expect(enc.tMin == 0 && enc.tMax == 30 && enc.threshold == 0)
        var image = [UInt8](repeating: 0, count: 784)
        image[0] = 255
        image[1] = 128
        image[2] = 51
        image[3] = 1
        let ch = enc.encode(image: image)
        #expect(ch.count == 784)
        #expect(ch[4...].allSatisfy { $0.isEmpty })
        // Hand-computed with tMin = 0 ms, tMax = 30 ms (Wunderlich & Pehle's MNIST loader):
        #expect(ch[0] == [0])                                          // 30·(1 − 255/255) = 0
        #expect(abs(ch[1][0] - 14.941176470588236) < 1e-12)            // 30·127/255
        #expect(abs(ch[2][0] - 24.0) < 1e-12)                          // 30·204/255 = 30·0.8
        #expect(abs(ch[3][0] - 29.88235294117647) < 1e-12)             // 30·254/255
        for c in ch[..<4] { #expect(c.count == 1) }
        for p in 1..<255 {
            let t0 = enc.spikeTime(UInt8(p))!, t1 = enc.spikeTime(UInt8(p + 1))!
            #expect(t1 < t0)
            #expect(t0 > 0 && t0 < 30)
        }
        #expect(enc.spikeTime(0) == nil)
        // The EventProp code's stricter threshold (pix > 1) and a shifted window.
        let strict = LatencyEncoding(threshold: 1)
        #expect(strict.spikeTime(1) == nil && strict.spikeTime(2) != nil)
        let shifted = LatencyEncoding(tMin: 10, tMax: 40)
        #expect(shifted.spikeTime(255) == 10)
        #expect(abs(shifted.spikeTime(51)! - 34.0) < 1e-12)            // 10 + 30·0.8
        #expect(enc.encode(image: image[...]) == ch)
    }

    // MARK: The real MNIST files

    static let sharedMNIST: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data/mnist").standardizedFileURL.path
    static let hasSharedMNIST = FileManager.default.fileExists(atPath: sharedMNIST + "/train-labels-idx1-ubyte.gz")

    @Test("Shared MNIST files: counts, first labels, training label histogram",
          .enabled(if: hasSharedMNIST, "skipped: no MNIST files in ../shared/data/mnist relative to the package"))
    func sharedData() throws {
        // Decompressing all four files takes about 1.5 s in a debug build (measured), so the full
        // training set is loaded.
        let train = try MNISTDataset.load(directory: Self.sharedMNIST, split: .train)
        let test = try MNISTDataset.load(directory: Self.sharedMNIST, split: .test)
        #expect(train.count == 60000 && train.images.count == 60000 * 784)
        #expect(test.count == 10000 && test.images.count == 10000 * 784)
        #expect(Array(train.labels[..<10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
        #expect(Array(test.labels[..<10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        var histogram = [Int](repeating: 0, count: 10)
        for l in train.labels { histogram[Int(l)] += 1 }
        #expect(histogram == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        var testHistogram = [Int](repeating: 0, count: 10)
        for l in test.labels { testHistogram[Int(l)] += 1 }
        #expect(testHistogram == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        // The first training image (a 5) encodes to 784 channels with one spike per non-zero pixel.
        let channels = LatencyEncoding().encode(image: train.image(0))
        #expect(channels.count == 784)
        #expect(channels.filter { !$0.isEmpty }.count == train.image(0).filter { $0 != 0 }.count)
        let split = MNISTDataset.split(train: train, seed: 0)
        #expect(split.train.count == 55000 && split.validation.count == 5000)
    }
}
